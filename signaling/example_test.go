package signaling_test

import (
	"errors"
	"fmt"

	"piiri/signaling"
)

// Decode turns one websocket text message into a validated request, or an
// error carrying the protocol code the server sends back.
func ExampleDecode() {
	req, err := signaling.Decode([]byte(`{"type":"join","id":"1","version":1,"room":"tuesday-group","name":"  Anna Virtanen  ","key":"r7Xq2mWv9pLk"}`))
	if err != nil {
		panic(err)
	}
	join := req.(*signaling.Join)
	fmt.Printf("join %q as %q (request %s)\n", join.Room, join.Name, join.RequestID())

	_, err = signaling.Decode([]byte(`{"type":"join","version":3,"room":"r","name":"Anna"}`))
	var pe *signaling.Error
	if errors.As(err, &pe) {
		fmt.Println(pe.Code)
	}
	// Output:
	// join "tuesday-group" as "Anna Virtanen" (request 1)
	// unsupported_version
}
