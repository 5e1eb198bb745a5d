package sfu

import (
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// headerOnce is the innermost interceptor on every received stream. pion's
// receiving interceptors (NACK generator, receiver reports, TWCC feedback)
// each take the packet's RTP header from the read's attributes, and the
// first of them, finding none, allocates a map and a header for every
// packet. headerOnce parses the header into one kept per stream and hands
// it on in one map kept per stream, so a received packet costs no
// allocation in the interceptors however many of them read its header.
//
// The interceptors after it read the header during their Read and keep
// only its values (sequence numbers, timestamps, extensions copied out);
// none keeps the pointer or the map beyond the read, which is what makes
// reusing them safe. One stream is read by one goroutine at a time.
type headerOnce struct{ interceptor.NoOp }

type headerOnceFactory struct{}

func (headerOnceFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &headerOnce{}, nil
}

// BindRemoteStream implements interceptor.Interceptor.
func (*headerOnce) BindRemoteStream(_ *interceptor.StreamInfo, reader interceptor.RTPReader) interceptor.RTPReader {
	var (
		attrs  = interceptor.Attributes{}
		header *rtp.Header
		key    any // the attributes' key for the header, unexported by pion
	)
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, a, err := reader.Read(b, a)
		if err != nil {
			return n, a, err
		}
		if header == nil {
			// The first packet: let pion store its header, and learn
			// the key it stores it under.
			first := interceptor.Attributes{}
			h, err := first.GetRTPHeader(b[:n])
			if err != nil {
				return n, a, nil // not RTP: the next interceptor reports it
			}
			for k := range first {
				key = k
			}
			header = h
		} else if _, err := header.Unmarshal(b[:n]); err != nil {
			return n, a, nil
		}
		if a == nil {
			clear(attrs)
			a = attrs
		}
		a[key] = header
		return n, a, nil
	})
}
