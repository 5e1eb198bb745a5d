package signaling

import (
	"context"
	"testing"
	"time"
)

func TestExploreBadAnswer(t *testing.T) {
	h := newHarness(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	room := h.room()
	bea := newMediaClient(t, h)
	bea.connect(room, "Bea", "")
	bea.next("joined", isType(TypeJoined))
	// raw client for aki
	aki := h.dial()
	aki.join(room, "Aki")
	bea.publishAudio(ctx)
	off := aki.expect(TypeOffer)
	t.Logf("offer %.80s", off.SDP)
	aki.sendJSON(map[string]any{"type": "answer", "id": "a1", "target": "subscriber", "sdp": noCredentialsSDP})
	t.Logf("%s", aki.expectReply("a1").Raw)
	aki.sendJSON(map[string]any{"type": "answer", "id": "a2", "target": "subscriber", "sdp": minimalSDP})
	t.Logf("%s", aki.expectReply("a2").Raw)
	time.Sleep(500 * time.Millisecond)
	aki.ping("p")
	for _, m := range aki.seen {
		t.Logf("seen %.100s", m.Raw)
	}
}
