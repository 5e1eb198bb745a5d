package signaling

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"net/url"
	"strings"
)

// RoomKey admits anyone who presents the server's shared room key into the
// room they name: the ad-hoc rooms of trials and network tests. An empty
// key is dev mode: every join is admitted (the server allows that only on
// a loopback address).
type RoomKey string

// KeyOK reports whether key is the room key (any key in dev mode). The
// comparison takes the same time whatever the key, so timing reveals
// nothing of it.
func (k RoomKey) KeyOK(key string) bool {
	return k == "" || subtle.ConstantTimeCompare([]byte(key), []byte(k)) == 1
}

// Admit implements Admission.
func (k RoomKey) Admit(_ context.Context, req AdmitRequest) (Admitted, error) {
	if !k.KeyOK(req.Key) {
		return Admitted{}, fmt.Errorf("wrong room key: %w", ErrUnauthorized)
	}
	return Admitted{Room: req.Room, Name: req.Name, Role: RoleGuest}, nil
}

// NewRoomLink returns a link that joins a new ad-hoc room with a random,
// unguessable name (80 bits). The key, if any, goes in the fragment, which
// browsers never send to the server, so it stays out of access logs.
func (k RoomKey) NewRoomLink(baseURL string) string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	room := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	link := strings.TrimSuffix(baseURL, "/") + "/?room=" + url.QueryEscape(room)
	if k != "" {
		link += "#key=" + url.QueryEscape(string(k))
	}
	return link
}
