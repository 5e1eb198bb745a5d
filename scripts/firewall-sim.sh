#!/usr/bin/env bash
# firewall-sim.sh: a restrictive network on one machine, for testing that
# piiri gets through firewalls. It builds two network namespaces joined by
# a veth pair, with addresses from a documentation range (RFC 5737) that
# exist only inside them, and applies a firewall profile to what the client
# namespace sends. Needs root, iproute2 and iptables.
#
#   firewall-sim.sh up              create the namespaces (profile "open")
#   firewall-sim.sh profile NAME    apply a profile in the client namespace
#   firewall-sim.sh down            remove the namespaces
#   firewall-sim.sh exec server|client CMD [ARGS...]
#
# Profiles (outbound from the client):
#   open     everything passes
#   no-udp   all UDP is dropped
#   tcp443   everything is dropped except TCP to port 443
#   tls443   as tcp443, and TCP 443 goes through a forwarder on
#            203.0.113.2:4430 that passes only connections that begin with a
#            TLS ClientHello, as a protocol-enforcing firewall does. The
#            forwarder is the caller's (the firewall tests run one); its own
#            connections carry firewall mark 0x443 so they are not
#            redirected again.
#   proxy443 nothing passes but TCP to the web proxy on 203.0.113.1, ports
#            3128 and 3129, as on a network whose only way out is a web
#            proxy. The proxy is the caller's (the firewall tests run squid
#            in the server namespace, passing only CONNECT to port 443, and
#            on 3129 only with a login).
#   blackout nothing passes (a network outage)
#
# The server namespace has 203.0.113.1, the client 203.0.113.2. Both
# resolve names through 127.0.0.1:53 in their own namespace. Chromium
# accepts TURN and ICE-TCP on port 443 only from public-looking addresses,
# which is why these are not private ones. In the client namespace
# /etc/hosts maps piiri.test to the server (ip netns exec mounts
# /etc/netns/NAME/hosts over /etc/hosts).
#
# The names below are fixed: the tests in e2e/firewall use the same ones.
# If up fails partway it removes what it made; down is safe to run at any
# time, any number of times.
set -Eeuo pipefail

SERVER_NS=piiri-server
CLIENT_NS=piiri-client
SERVER_VETH=sim-srv
CLIENT_VETH=sim-cli
SERVER_IP=203.0.113.1
CLIENT_IP=203.0.113.2
HOSTNAME_=piiri.test
GATE_PORT=4430
GATE_MARK=0x443
PROXY_PORTS=3128:3129

in_client() { ip netns exec "$CLIENT_NS" "$@"; }
in_server() { ip netns exec "$SERVER_NS" "$@"; }

up() {
	down
	# A failure anywhere below (set -E carries the trap into functions)
	# undoes the half-built network before the script exits.
	trap down ERR
	ip netns add "$SERVER_NS"
	ip netns add "$CLIENT_NS"
	ip link add "$SERVER_VETH" type veth peer name "$CLIENT_VETH"
	ip link set "$SERVER_VETH" netns "$SERVER_NS"
	ip link set "$CLIENT_VETH" netns "$CLIENT_NS"
	in_server ip addr add "$SERVER_IP/24" dev "$SERVER_VETH"
	in_client ip addr add "$CLIENT_IP/24" dev "$CLIENT_VETH"
	for ns in "$SERVER_NS" "$CLIENT_NS"; do
		ip netns exec "$ns" ip link set lo up
	done
	in_server ip link set "$SERVER_VETH" up
	in_client ip link set "$CLIENT_VETH" up
	# A default route, as on a real client: Chromium gathers candidates
	# only on the default route's interface for a page without camera
	# permission.
	in_client ip route add default via "$SERVER_IP"
	in_server ip route add default via "$CLIENT_IP"
	mkdir -p "/etc/netns/$CLIENT_NS" "/etc/netns/$SERVER_NS"
	printf '127.0.0.1 localhost\n%s %s\n' "$SERVER_IP" "$HOSTNAME_" | tee "/etc/netns/$CLIENT_NS/hosts" >"/etc/netns/$SERVER_NS/hosts"
	# The client's DNS server is on its own loopback, as a local resolver
	# would be, so no profile blocks it; the caller runs one (the firewall
	# tests do) that knows the server's name.
	printf 'nameserver 127.0.0.1\n' | tee "/etc/netns/$CLIENT_NS/resolv.conf" >"/etc/netns/$SERVER_NS/resolv.conf"
	profile open
	trap - ERR
}

profile() {
	local name=$1
	in_client iptables -F OUTPUT
	in_client iptables -t nat -F OUTPUT
	case "$name" in
	open) ;;
	no-udp)
		in_client iptables -A OUTPUT -o lo -j ACCEPT
		in_client iptables -A OUTPUT -p udp -j DROP
		;;
	tcp443)
		in_client iptables -A OUTPUT -o lo -j ACCEPT
		in_client iptables -A OUTPUT -p tcp --dport 443 -j ACCEPT
		in_client iptables -A OUTPUT -j DROP
		;;
	tls443)
		# DNAT to the client's own address (REDIRECT would pick 127.0.0.1,
		# which a packet with the veth's source address cannot reach).
		in_client iptables -t nat -A OUTPUT -p tcp --dport 443 -m mark ! --mark "$GATE_MARK" -j DNAT --to-destination "$CLIENT_IP:$GATE_PORT"
		in_client iptables -A OUTPUT -o lo -j ACCEPT
		in_client iptables -A OUTPUT -d "$CLIENT_IP" -p tcp --dport "$GATE_PORT" -j ACCEPT
		in_client iptables -A OUTPUT -p tcp --dport 443 -m mark --mark "$GATE_MARK" -j ACCEPT
		in_client iptables -A OUTPUT -j DROP
		;;
	proxy443)
		in_client iptables -A OUTPUT -o lo -j ACCEPT
		in_client iptables -A OUTPUT -d "$SERVER_IP" -p tcp --dport "$PROXY_PORTS" -j ACCEPT
		in_client iptables -A OUTPUT -j DROP
		;;
	blackout)
		in_client iptables -A OUTPUT -o lo -j ACCEPT
		in_client iptables -A OUTPUT -j DROP
		;;
	*)
		echo "firewall-sim: unknown profile $name (open, no-udp, tcp443, tls443, proxy443, blackout)" >&2
		exit 2
		;;
	esac
}

down() {
	ip netns del "$CLIENT_NS" 2>/dev/null || true
	ip netns del "$SERVER_NS" 2>/dev/null || true
	# A veth end that up created but had not yet moved into its namespace
	# is still here, and would make the next up fail with "File exists".
	# Deleting either end deletes the pair.
	ip link del "$SERVER_VETH" 2>/dev/null || true
	ip link del "$CLIENT_VETH" 2>/dev/null || true
	rm -rf "/etc/netns/$CLIENT_NS" "/etc/netns/$SERVER_NS"
}

case "${1:-}" in
up) up ;;
profile) profile "${2:?profile name}" ;;
down) down ;;
exec)
	which=${2:?server or client}
	shift 2
	case "$which" in
	server) in_server "$@" ;;
	client) in_client "$@" ;;
	*) echo "firewall-sim: exec server|client CMD" >&2; exit 2 ;;
	esac
	;;
*)
	# The header comment above, up to set -Eeuo pipefail.
	awk 'NR == 1 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "$0"
	exit 2
	;;
esac
