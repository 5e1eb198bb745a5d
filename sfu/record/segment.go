package record

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/at-wat/ebml-go/mkvcore"
	"github.com/at-wat/ebml-go/webm"
)

// PartSuffix marks a file still being written (or left by a crash): it is
// renamed to its final name when it has been finalised. Repair finalises
// the ones a crash left.
const PartSuffix = ".part"

// cuesReserve is the space reserved at the front of each file for its
// Cues (the seek index), written on finalisation: about 18 bytes per
// cluster, so room for about 7000 seek points; beyond that ebml-go (and
// Repair) keep every other one.
const cuesReserve = 128 << 10

// File describes one segment file of a recording, for the manifest.
type File struct {
	Name   string    `json:"name"`   // in the recording directory
	Person string    `json:"person"` // Config.Person
	Start  time.Time `json:"start"`  // wall-clock time of the file's time 0
	// Duration is the time of the last frame, once the file is final.
	Duration time.Duration `json:"duration_ns"`
	Tracks   []FileTrack   `json:"tracks"`
	Final    bool          `json:"final"` // finalised (renamed from .part)
}

// FileTrack is one track of a file.
type FileTrack struct {
	Number int    `json:"number"` // the WebM track number
	Kind   string `json:"kind"`   // audio or video
	Codec  string `json:"codec"`  // opus or vp8
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
}

// segment is one open WebM file.
type segment struct {
	file    *syncFile
	part    string // path while writing
	final   string // path when finalised
	info    File
	inputs  []*input
	writers []webm.BlockWriteCloser
	lastMs  []int64
	blocks  int
	lastKey time.Time // a video keyframe was last written
	maxMs   int64
}

type segTrack struct {
	in            *input
	width, height int
}

// openSegment creates the next file of person in dir with the given
// tracks (audio first) and time 0 at start.
func openSegment(dir, person string, start time.Time, tracks []segTrack, log *slog.Logger) (*segment, error) {
	f, name, err := createNext(dir, person)
	if err != nil {
		return nil, err
	}
	seg := &segment{file: f, final: filepath.Join(dir, name), info: File{Name: name, Person: person, Start: start}}
	seg.part = seg.final + PartSuffix
	entries := make([]webm.TrackEntry, len(tracks))
	main := uint64(0)
	for i, t := range tracks {
		num := uint64(i + 1)
		e := webm.TrackEntry{TrackNumber: num, TrackUID: num, Name: t.in.kind}
		ft := FileTrack{Number: i + 1, Kind: t.in.kind}
		if t.in.kind == KindVideo {
			e.CodecID, e.TrackType = "V_VP8", 1
			e.Video = &webm.Video{PixelWidth: uint64(t.width), PixelHeight: uint64(t.height)}
			ft.Codec, ft.Width, ft.Height = "vp8", t.width, t.height
			if main == 0 {
				main = num
			}
		} else {
			ch := t.in.channels
			e.CodecID, e.TrackType = "A_OPUS", 2
			e.Audio = &webm.Audio{SamplingFrequency: 48000, Channels: uint64(ch)}
			e.CodecPrivate = opusHead(ch)
			e.SeekPreRoll = uint64(80 * time.Millisecond)
			ft.Codec = "opus"
		}
		entries[i] = e
		seg.info.Tracks = append(seg.info.Tracks, ft)
		seg.inputs = append(seg.inputs, t.in)
	}
	// Clusters start at video keyframes (so that every seek point is
	// one), at least a second apart; audio-only files every 2 s.
	clusters := mkvcore.WithMinMaxClusterDuration(main, 1000, 0x7FFF)
	if main == 0 {
		clusters = mkvcore.WithMinMaxClusterDuration(1, 2000, 5000)
	}
	// Frames of the tracks are interleaved by time; a track may lag
	// (a frame awaiting a retransmission) by up to 1.5 s before the
	// others are written past it.
	sorter, err := mkvcore.NewMultiTrackBlockSorter(mkvcore.WithMaxTimescaleDelay(1500), mkvcore.WithSortRule(mkvcore.BlockSorterDropOutdated))
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	ws, err := webm.NewSimpleBlockWriter(f, entries,
		mkvcore.WithSegmentInfo(&webm.Info{TimecodeScale: 1000000, MuxingApp: "piiri", WritingApp: "piiri", DateUTC: start.UTC()}),
		mkvcore.WithSeekHead(true),
		mkvcore.WithCues(cuesReserve),
		clusters,
		mkvcore.WithBlockInterceptor(sorter),
		mkvcore.WithOnErrorHandler(func(err error) { log.Debug("recording: frame not written", "err", err) }),
		mkvcore.WithOnFatalHandler(func(err error) { f.fail(fmt.Errorf("ebml: %w", err)) }),
	)
	if err != nil {
		_ = f.Close()
		_ = os.Remove(seg.part)
		return nil, fmt.Errorf("record: start %s: %w", name, err)
	}
	seg.writers = ws
	seg.lastMs = make([]int64, len(ws))
	for i := range seg.lastMs {
		seg.lastMs[i] = -1 // nothing written yet
	}
	return seg, nil
}

func (s *segment) index(in *input) int {
	for i, x := range s.inputs {
		if x == in {
			return i
		}
	}
	return -1
}

// write hands one frame to ebml-go, at its time on the file's timeline.
// Frames from before the file's start are dropped; a track's times never
// go back.
func (s *segment) write(i int, f frame, now time.Time) bool {
	ms := f.at.Sub(s.info.Start).Milliseconds()
	if ms < 0 {
		return false
	}
	// A track's block times must rise strictly (players and muxers reject
	// equal ones): a frame that lands on or before the last one, from
	// arrival jitter at the millisecond rounding, goes just after it.
	if ms <= s.lastMs[i] {
		ms = s.lastMs[i] + 1
	}
	s.lastMs[i] = ms
	if ms > s.maxMs {
		s.maxMs = ms
	}
	if _, err := s.writers[i].Write(f.keyframe, ms, f.data); err != nil {
		s.file.fail(err)
		return false
	}
	if s.inputs[i].kind == KindVideo && f.keyframe {
		s.lastKey = now
	}
	s.blocks++
	return true
}

// close finalises the file: ebml-go writes the Cues and the Duration into
// the space reserved for them, the file is synced and renamed to its final
// name. A file without a single frame is removed.
func (s *segment) close() error {
	for _, w := range s.writers {
		_ = w.Close() // the last one returns when the file is closed
	}
	if err := s.file.Err(); err != nil {
		return fmt.Errorf("record: write %s: %w", s.info.Name, err)
	}
	if s.blocks == 0 {
		return os.Remove(s.part)
	}
	if err := os.Rename(s.part, s.final); err != nil {
		return fmt.Errorf("record: finalise %s: %w", s.info.Name, err)
	}
	s.info.Final = true
	s.info.Duration = time.Duration(s.maxMs) * time.Millisecond
	return syncDir(filepath.Dir(s.final))
}

// createNext creates person-NNN.webm.part with the next number not used in
// dir by a final or partial file.
func createNext(dir, person string) (*syncFile, string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, "", fmt.Errorf("record: recording directory: %w", err)
	}
	next := 1
	for _, e := range entries {
		if n, ok := segmentNumber(e.Name(), person); ok && n >= next {
			next = n + 1
		}
	}
	for ; ; next++ {
		name := fmt.Sprintf("%s-%03d.webm", person, next)
		f, err := os.OpenFile(filepath.Join(dir, name+PartSuffix), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("record: create %s: %w", name, err)
		}
		return &syncFile{f: f, w: bufio.NewWriterSize(f, 64<<10)}, name, nil
	}
}

// segmentNumber reads NNN from person-NNN.webm or person-NNN.webm.part.
func segmentNumber(name, person string) (int, bool) {
	rest, ok := strings.CutPrefix(name, person+"-")
	if !ok {
		return 0, false
	}
	rest = strings.TrimSuffix(rest, PartSuffix)
	rest, ok = strings.CutSuffix(rest, ".webm")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n > 0
}

// opusHead is the Opus identification header (RFC 7845 5.1) WebM wants as
// the track's CodecPrivate.
func opusHead(channels int) []byte {
	return []byte{'O', 'p', 'u', 's', 'H', 'e', 'a', 'd',
		1, byte(channels), 0, 0, // version, channels, pre-skip
		0x80, 0xbb, 0, 0, // input sample rate 48000
		0, 0, 0} // output gain, mapping family 0
}

// syncFile is the file ebml-go writes to: buffered, with WriteAt for the
// Cues and Duration written at the end, and Flush from the recorder's
// goroutine while ebml-go's goroutine writes. It never returns a write
// error to ebml-go (whose goroutine would stop, and its writers then block
// forever): it keeps the first error, which the recorder checks.
type syncFile struct {
	mu     sync.Mutex
	f      *os.File
	w      *bufio.Writer
	err    error
	closed bool
}

func (s *syncFile) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil && !s.closed {
		if _, err := s.w.Write(p); err != nil {
			s.err = err
		}
	}
	return len(p), nil
}

func (s *syncFile) WriteAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil && !s.closed {
		if err := s.w.Flush(); err != nil {
			s.err = err
		} else if _, err := s.f.WriteAt(p, off); err != nil {
			s.err = err
		}
	}
	return len(p), nil
}

// Flush writes what is buffered and syncs it to disk.
func (s *syncFile) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil && !s.closed {
		if err := s.w.Flush(); err != nil {
			s.err = err
		} else if err := s.f.Sync(); err != nil {
			s.err = err
		}
	}
	return s.err
}

func (s *syncFile) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.err == nil {
		if err := s.w.Flush(); err != nil {
			s.err = err
		} else if err := s.f.Sync(); err != nil {
			s.err = err
		}
	}
	if err := s.f.Close(); err != nil && s.err == nil {
		s.err = err
	}
	return nil
}

func (s *syncFile) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

func (s *syncFile) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
