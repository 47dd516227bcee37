package clientaddr

import (
	"net"
	"net/netip"
)

// Key is the client addr stands for: an IPv4 address, or the /64 of an
// IPv6 address (the block one host is usually given, so rotating through
// it does not make new clients), without any port or zone. Text that is no
// address is its own key.
func Key(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.WithZone("").Prefix(64)
	return p.String()
}
