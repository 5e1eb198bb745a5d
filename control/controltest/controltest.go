// Package controltest holds control's rule tests and the store contract
// tests as suites that run against any control.Store, so the same tables
// prove the rules over the in-memory store and over bbolt:
//
//	func TestRules(t *testing.T) { controltest.Run(t, openMyStore) }
//	func TestStoreContract(t *testing.T) { controltest.RunStore(t, openMyStore) }
//
// Like testing/fstest, it is imported only by tests.
package controltest

import (
	"fmt"
	"sync"
	"testing"

	"piiri/control"
)

// Open returns a new, empty store for one test; the test cleans it up.
type Open func(t *testing.T) control.Store

// Run runs every rule suite against stores from open.
func Run(t *testing.T, open Open) {
	suites := []struct {
		name string
		run  func(*testing.T, Open)
	}{
		{"Counting", testCounting},
		{"AttendanceEvents", testAttendanceEvents},
		{"SizeLimits", testSizeLimits},
		{"ConcurrentAdd", testConcurrentAdd},
		{"Transitions", testTransitions},
		{"Forecast", testForecast},
		{"TimePolls", testTimePolls},
		{"MoveAndCancel", testMoveAndCancel},
		{"Programme", testProgramme},
		{"Agreement", testAgreement},
		{"HandOver", testHandOver},
		{"Links", testLinks},
		{"Admit", testAdmit},
		{"Templates", testTemplates},
		{"Reports", testReports},
		{"Validation", testValidation},
		{"Permissions", testPermissions},
		{"Phases", testPhases},
		{"Rounds", testRounds},
		{"EmptyRoom", testEmptyRoom},
		{"LivePersistence", testLivePersistence},
		{"PhaseEdits", testPhaseEdits},
		{"LiveStates", testLiveStates},
		{"Observer", testObserver},
		{"Tasks", testTasks},
		{"Feedback", testFeedback},
		{"Consent", testConsent},
		{"PersonData", testPersonData},
		{"Speaking", testSpeaking},
		{"TurnPhases", testTurnPhases},
		{"ResearchAccess", testResearchAccess},
	}
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) { s.run(t, open) })
	}
}

// SeqIDs is a predictable control.IDSource: id0001, id0002, ... and
// tokens of the same numbers padded to a plausible length.
type SeqIDs struct {
	mu sync.Mutex
	n  int
}

func (s *SeqIDs) next() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return s.n
}

// NewID implements control.IDSource.
func (s *SeqIDs) NewID() string { return fmt.Sprintf("id%04d", s.next()) }

// NewToken implements control.IDSource.
func (s *SeqIDs) NewToken() string { return fmt.Sprintf("tok%04d-0123456789abcdefghij", s.next()) }
