package record

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/at-wat/ebml-go"
	"github.com/at-wat/ebml-go/webm"
)

// Repaired is what Repair did with one partial file.
type Repaired struct {
	Name     string        // the final name (without .part)
	Duration time.Duration // playable up to here
	Blocks   int           // frames kept
	Removed  bool          // it held no frame and was removed
	Err      error
}

// Repair finalises the partial files (*.webm.part) a crash left in dir, in
// place: the file is cut after its last complete frame, the Cues (one seek
// point per cluster that starts with a keyframe) and the Duration are
// written into the space the writer reserved for them, and it is renamed
// to its final name. Files with no complete frame are removed. It returns
// what it did per file; the error is only for a directory it cannot read.
// Run it before recording into dir again (at start, say); it must not run
// on files a Recorder is writing.
func Repair(dir string) ([]Repaired, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("record: repair: %w", err)
	}
	var out []Repaired
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".webm"+PartSuffix) {
			continue
		}
		out = append(out, repairFile(filepath.Join(dir, e.Name())))
	}
	return out, nil
}

func repairFile(part string) Repaired {
	final := strings.TrimSuffix(part, PartSuffix)
	res := Repaired{Name: filepath.Base(final)}
	fail := func(err error) Repaired {
		res.Err = fmt.Errorf("record: repair %s: %w", res.Name, err)
		return res
	}
	f, err := os.OpenFile(part, os.O_RDWR, 0)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	l, err := scanWebM(f)
	if err != nil {
		// A crash right after the file was created leaves it without
		// a complete header, and so without a single frame.
		if st, serr := f.Stat(); serr != nil || st.Size() > cuesReserve+4096 {
			return fail(err)
		}
		l = &layout{}
	}
	res.Blocks = l.blocks
	if l.blocks == 0 {
		_ = f.Close()
		if err := os.Remove(part); err != nil {
			return fail(err)
		}
		res.Removed = true
		return res
	}
	res.Duration = time.Duration(l.maxTime) * time.Millisecond
	if err := f.Truncate(l.end); err != nil {
		return fail(err)
	}
	if l.cuesAt > 0 {
		b, err := fitCues(l.cues(), l.cuesSize)
		if err != nil {
			return fail(err)
		}
		if _, err := f.WriteAt(b, l.cuesAt); err != nil {
			return fail(err)
		}
	}
	if l.durationAt > 0 {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], math.Float64bits(float64(l.maxTime)))
		if _, err := f.WriteAt(b[:], l.durationAt); err != nil {
			return fail(err)
		}
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(part, final); err != nil {
		return fail(err)
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return fail(err)
	}
	return res
}

// EBML IDs the scanner needs (Matroska element IDs, with their length
// marker bits).
const (
	idEBML        = 0x1A45DFA3
	idSegment     = 0x18538067
	idSeekHead    = 0x114D9B74
	idSeek        = 0x4DBB
	idSeekID      = 0x53AB
	idSeekPos     = 0x53AC
	idInfo        = 0x1549A966
	idDuration    = 0x4489
	idTracks      = 0x1654AE6B
	idTrackEntry  = 0xAE
	idTrackNumber = 0xD7
	idTrackType   = 0x83
	idCluster     = 0x1F43B675
	idTimecode    = 0xE7
	idSimpleBlock = 0xA3
	idBlockGroup  = 0xA0
	idCues        = 0x1C53BB6B
	idCuePoint    = 0xBB
	idVoid        = 0xEC
)

// layout is what a scan found in a (possibly truncated) WebM file.
type layout struct {
	segmentData int64 // offset of the Segment's data: positions count from here
	durationAt  int64 // offset of the Duration's 8-byte float, 0 if none
	cuesAt      int64 // offset of the space reserved for the Cues, 0 if none
	cuesSize    int64
	video       map[uint64]bool // track number → video
	clusters    []clusterInfo
	blocks      int
	maxTime     int64 // ms, the latest frame's time
	end         int64 // offset just after the last complete element
	cuePoints   int   // in a Cues element (of a finalised file)
}

type clusterInfo struct {
	pos      int64 // offset of the Cluster element
	timecode int64
	track    uint64 // of its first block
	key      bool   // its first block is a keyframe
	blocks   int
}

// cues is one seek point per cluster that starts with a keyframe; if none
// does (audio only has all keyframes, so this is video that never had
// one), every cluster.
func (l *layout) cues() []webm.CuePoint {
	var pts []webm.CuePoint
	for _, all := range []bool{false, true} {
		for _, c := range l.clusters {
			if c.blocks == 0 || (!all && !c.key) {
				continue
			}
			pts = append(pts, webm.CuePoint{
				CueTime:           uint64(c.timecode),
				CueTrackPositions: []webm.CueTrackPosition{{CueTrack: c.track, CueClusterPosition: uint64(c.pos - l.segmentData)}},
			})
		}
		if len(pts) > 0 {
			break
		}
	}
	return pts
}

// fitCues marshals the Cues into exactly size bytes, padded with a Void;
// when they do not fit, every other seek point is dropped until they do.
func fitCues(pts []webm.CuePoint, size int64) ([]byte, error) {
	for {
		var buf bytes.Buffer
		if err := ebml.Marshal(&struct {
			Cues webm.Cues `ebml:"Cues"`
		}{webm.Cues{CuePoint: pts}}, &buf); err != nil {
			return nil, err
		}
		rest := size - int64(buf.Len())
		if rest == 0 {
			return buf.Bytes(), nil
		}
		if rest >= 9 {
			return append(buf.Bytes(), voidElement(rest)...), nil
		}
		if len(pts) <= 1 {
			return voidElement(size), nil
		}
		half := make([]webm.CuePoint, 0, len(pts)/2+1)
		for i := 0; i < len(pts); i += 2 {
			half = append(half, pts[i])
		}
		pts = half
	}
}

// voidElement is a Void of exactly n (≥ 9) bytes, with an 8-byte size.
func voidElement(n int64) []byte {
	b := make([]byte, n)
	b[0] = idVoid
	binary.BigEndian.PutUint64(b[1:9], uint64(n-9))
	b[1] = 0x01 // the 8-byte length marker over the top byte (sizes < 2^56)
	return b
}

// ebmlReader reads EBML elements from a file, knowing its offset.
type ebmlReader struct {
	r   *bufio.Reader
	pos int64
}

// vint reads a variable-length integer: an element ID (marker kept) or
// a size (marker removed; all ones means unknown).
func (e *ebmlReader) vint(id bool) (uint64, bool, error) {
	first, err := e.r.ReadByte()
	if err != nil {
		return 0, false, err
	}
	n := 1
	for mask := byte(0x80); n <= 8 && first&mask == 0; mask >>= 1 {
		n++
	}
	if n > 8 || (id && n > 4) {
		return 0, false, fmt.Errorf("invalid EBML number at offset %d", e.pos)
	}
	v := uint64(first)
	if !id {
		v &= uint64(0xFF >> n)
	}
	allOnes := v == uint64(0xFF>>n)
	for range n - 1 {
		b, err := e.r.ReadByte()
		if err != nil {
			return 0, false, unexpected(err)
		}
		v = v<<8 | uint64(b)
		allOnes = allOnes && b == 0xFF
	}
	e.pos += int64(n)
	return v, !id && allOnes, nil
}

// header reads an element's ID and size.
func (e *ebmlReader) header() (id uint32, size int64, err error) {
	v, _, err := e.vint(true)
	if err != nil {
		return 0, 0, err
	}
	s, unknown, err := e.vint(false)
	if err != nil {
		return 0, 0, unexpected(err)
	}
	if unknown {
		return uint32(v), -1, nil
	}
	if s > 1<<40 {
		return 0, 0, fmt.Errorf("element size %d at offset %d", s, e.pos)
	}
	return uint32(v), int64(s), nil
}

// peekID reads the next element's ID without consuming it.
func (e *ebmlReader) peekID() (uint32, error) {
	b, err := e.r.Peek(1)
	if err != nil {
		return 0, err
	}
	n := 1
	for mask := byte(0x80); n <= 4 && b[0]&mask == 0; mask >>= 1 {
		n++
	}
	if n > 4 {
		return 0, fmt.Errorf("invalid element ID at offset %d", e.pos)
	}
	b, err = e.r.Peek(n)
	if err != nil {
		return 0, err
	}
	var v uint32
	for _, x := range b {
		v = v<<8 | uint32(x)
	}
	return v, nil
}

func (e *ebmlReader) bytes(n int64) ([]byte, error) {
	if n > 16<<20 {
		return nil, fmt.Errorf("element of %d bytes at offset %d", n, e.pos)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(e.r, b); err != nil {
		return nil, unexpected(err)
	}
	e.pos += n
	return b, nil
}

func (e *ebmlReader) skip(n int64) error {
	d, err := e.r.Discard(int(n))
	e.pos += int64(d)
	if err != nil {
		return unexpected(err)
	}
	return nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// scanWebM reads the file's layout up to its end or to where it was cut
// off. A cut-off anywhere (as a crash leaves it) is not an error: the
// layout ends at the last complete element.
func scanWebM(f *os.File) (*layout, error) {
	e := &ebmlReader{r: bufio.NewReaderSize(f, 256<<10)}
	l := &layout{video: map[uint64]bool{}}
	id, size, err := e.header()
	if err != nil || id != idEBML || size < 0 {
		return nil, errors.New("not a WebM file (no EBML header)")
	}
	if err := e.skip(size); err != nil {
		return nil, errors.New("not a WebM file (cut-off EBML header)")
	}
	id, _, err = e.header()
	if err != nil || id != idSegment {
		return nil, errors.New("not a WebM file (no Segment)")
	}
	l.segmentData = e.pos
	l.end = e.pos
	var cuesPos int64 = -1
	for {
		start := e.pos
		id, size, err := e.header()
		if err != nil {
			return l, nil // the end, or cut off
		}
		switch id {
		case idCluster:
			c := clusterInfo{pos: start}
			if err := l.scanCluster(e, &c, size); err != nil {
				if c.blocks > 0 {
					l.clusters = append(l.clusters, c)
				}
				return l, nil
			}
			l.clusters = append(l.clusters, c)
			continue
		case idSeekHead, idInfo, idTracks, idCues:
			if size < 0 {
				return nil, fmt.Errorf("element %x of unknown size at offset %d", id, start)
			}
			b, err := e.bytes(size)
			if err != nil {
				return l, nil
			}
			switch id {
			case idSeekHead:
				cuesPos = seekPosition(b, idCues)
			case idInfo:
				if off := childOffset(b, idDuration, 8); off >= 0 {
					l.durationAt = e.pos - size + off
				}
			case idTracks:
				l.readTracks(b)
			case idCues:
				eachChild(b, func(id uint32, _ []byte) {
					if id == idCuePoint {
						l.cuePoints++
					}
				})
			}
		default:
			if size < 0 {
				return nil, fmt.Errorf("element %x of unknown size at offset %d", id, start)
			}
			if err := e.skip(size); err != nil {
				return l, nil
			}
			if id == idVoid && cuesPos >= 0 && start-l.segmentData == cuesPos {
				l.cuesAt, l.cuesSize = start, e.pos-start
			}
		}
		l.end = e.pos
	}
}

// scanCluster reads a cluster's timecode and blocks, updating l.end after
// each complete one. size < 0: unknown, the cluster ends where a top-level
// element starts.
func (l *layout) scanCluster(e *ebmlReader, c *clusterInfo, size int64) error {
	limit := int64(-1)
	if size >= 0 {
		limit = e.pos + size
	}
	for limit < 0 || e.pos < limit {
		if limit < 0 {
			id, err := e.peekID()
			if err != nil {
				return err
			}
			switch id {
			case idCluster, idCues, idSeekHead, idInfo, idTracks, 0x1254C367 /* Tags */, 0x1941A469 /* Attachments */, 0x1043A770 /* Chapters */ :
				return nil
			}
		}
		id, sz, err := e.header()
		if err != nil {
			return unexpected(err)
		}
		if sz < 0 {
			return fmt.Errorf("cluster child %x of unknown size", id)
		}
		switch id {
		case idTimecode:
			b, err := e.bytes(sz)
			if err != nil {
				return err
			}
			c.timecode = int64(readUint(b))
		case idSimpleBlock:
			b, err := e.bytes(sz)
			if err != nil {
				return err
			}
			track, rel, key, ok := blockHeader(b)
			if !ok {
				return fmt.Errorf("bad SimpleBlock at offset %d", e.pos-sz)
			}
			if c.blocks == 0 {
				c.track, c.key = track, key
			}
			c.blocks++
			l.blocks++
			l.maxTime = max(l.maxTime, c.timecode+int64(rel))
		default: // PrevSize, BlockGroup (not written by ebml-go's SimpleBlock writer), Void
			if err := e.skip(sz); err != nil {
				return err
			}
		}
		l.end = e.pos
	}
	return nil
}

func (l *layout) readTracks(b []byte) {
	eachChild(b, func(id uint32, v []byte) {
		if id != idTrackEntry {
			return
		}
		var num, typ uint64
		eachChild(v, func(id uint32, v []byte) {
			switch id {
			case idTrackNumber:
				num = readUint(v)
			case idTrackType:
				typ = readUint(v)
			}
		})
		l.video[num] = typ == 1
	})
}

// blockHeader reads a (Simple)Block's track number, relative timecode and
// keyframe flag.
func blockHeader(b []byte) (track uint64, rel int16, key, ok bool) {
	if len(b) < 4 {
		return 0, 0, false, false
	}
	n := 1
	for mask := byte(0x80); n <= 8 && b[0]&mask == 0; mask >>= 1 {
		n++
	}
	if n > 8 || len(b) < n+3 {
		return 0, 0, false, false
	}
	track = uint64(b[0]) & uint64(0xFF>>n)
	for _, x := range b[1:n] {
		track = track<<8 | uint64(x)
	}
	rel = int16(binary.BigEndian.Uint16(b[n : n+2]))
	return track, rel, b[n+2]&0x80 != 0, true
}

// eachChild calls f for each complete child element in b (the data of a
// master element).
func eachChild(b []byte, f func(id uint32, v []byte)) {
	for len(b) > 0 {
		id, n1, ok := vintAt(b, true)
		if !ok {
			return
		}
		size, n2, ok := vintAt(b[n1:], false)
		if !ok || uint64(len(b)-n1-n2) < size {
			return
		}
		f(uint32(id), b[n1+n2:n1+n2+int(size)])
		b = b[n1+n2+int(size):]
	}
}

// childOffset is the offset in b of the data of the child id with the
// given data size, or -1.
func childOffset(b []byte, want uint32, size int) int64 {
	off := 0
	for off < len(b) {
		id, n1, ok := vintAt(b[off:], true)
		if !ok {
			return -1
		}
		sz, n2, ok := vintAt(b[off+n1:], false)
		if !ok || uint64(len(b)-off-n1-n2) < sz {
			return -1
		}
		if uint32(id) == want && int(sz) == size {
			return int64(off + n1 + n2)
		}
		off += n1 + n2 + int(sz)
	}
	return -1
}

// seekPosition is the SeekPosition of the SeekHead entry for element id, or
// -1.
func seekPosition(b []byte, want uint32) int64 {
	pos := int64(-1)
	eachChild(b, func(id uint32, v []byte) {
		if id != idSeek {
			return
		}
		var sid uint64
		var p int64 = -1
		eachChild(v, func(id uint32, v []byte) {
			switch id {
			case idSeekID:
				sid = readUint(v)
			case idSeekPos:
				p = int64(readUint(v))
			}
		})
		if uint32(sid) == want {
			pos = p
		}
	})
	return pos
}

func vintAt(b []byte, id bool) (uint64, int, bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	n := 1
	for mask := byte(0x80); n <= 8 && b[0]&mask == 0; mask >>= 1 {
		n++
	}
	if n > 8 || len(b) < n {
		return 0, 0, false
	}
	v := uint64(b[0])
	if !id {
		v &= uint64(0xFF >> n)
	}
	for _, x := range b[1:n] {
		v = v<<8 | uint64(x)
	}
	return v, n, true
}

func readUint(b []byte) uint64 {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}
