package control_test

import (
	"testing"

	"piiri/control"
	"piiri/control/controltest"
	"piiri/control/memstore"
)

func memOpen(*testing.T) control.Store { return memstore.New() }

// TestRules runs every rule table over the in-memory store (package store
// runs the same tables over bbolt).
func TestRules(t *testing.T) { controltest.Run(t, memOpen) }

// TestStoreContract checks the in-memory store against control's contract.
func TestStoreContract(t *testing.T) { controltest.RunStore(t, memOpen) }
