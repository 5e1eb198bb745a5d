package turn

import (
	"slices"
	"testing"
)

// TestAdvertisedURLs: the URLs follow where TLS is terminated, and name the
// host, never an address.
func TestAdvertisedURLs(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    Advertisement
		want []string
	}{
		{"TLS here, UDP on", Advertisement{Host: "meet.example.fi", UDPPort: "3478", SharedPort: "443", TLS: true},
			[]string{"turn:meet.example.fi:3478?transport=udp", "turn:meet.example.fi:443?transport=tcp", "turns:meet.example.fi:443?transport=tcp"}},
		{"TLS proxy in front", Advertisement{Host: "meet.example.fi", UDPPort: "3478", SharedPort: "443", BehindTLSProxy: true},
			[]string{"turn:meet.example.fi:3478?transport=udp", "turns:meet.example.fi:443?transport=tcp"}},
		{"plain, UDP off", Advertisement{Host: "localhost", SharedPort: "8080"},
			[]string{"turn:localhost:8080?transport=tcp"}},
		{"IPv6 host", Advertisement{Host: "::1", SharedPort: "8080"},
			[]string{"turn:[::1]:8080?transport=tcp"}},
	} {
		if got := tc.a.URLs(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
