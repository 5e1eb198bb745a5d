// Package abuse holds the test that proves one host, or a few, cannot take
// piiri's shared port from everyone else: a real piiri (the binary) in one
// network namespace, attackers and a legitimate client on addresses of
// their own in another, slowloris, idle floods, half-open TLS, slow
// headers and idle keep-alive connections from one address and from
// several, while the legitimate client's HTTPS, websocket join and TURN
// allocations over TCP and TLS keep succeeding.
package abuse
