// Package signaling owns the websocket protocol between browsers (or bots)
// and the server: decoding and validating messages, joining rooms, keeping a
// participant across a dropped connection (resume), and driving the sfu
// package with the descriptions and candidates clients send.
//
// PROTOCOL.md in this directory documents every message.
package signaling
