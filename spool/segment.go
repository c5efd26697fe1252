package spool

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A record on disk is a little-endian uint32 payload length, a little-endian
// uint32 CRC32C over the four length bytes and the payload, then the payload.
// The CRC covers the length so that a zero-filled tail (a file extended but
// not yet written when the machine died) never reads as empty records.
const headerSize = 8

// maxRecord is the largest payload the uint32 length can frame.
const maxRecord = 1<<32 - 1

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// File names in the spool directory.
const (
	segPrefix = "seg-"
	segSuffix = ".log"
	posName   = "position"
	lockName  = "lock"
)

func segName(id uint64) string { return fmt.Sprintf("seg-%016d.log", id) }

// parseSegName returns the id of a segment file name.
func parseSegName(name string) (uint64, bool) {
	digits, ok := strings.CutPrefix(name, segPrefix)
	if !ok {
		return 0, false
	}
	if digits, ok = strings.CutSuffix(digits, segSuffix); !ok || len(digits) < 16 {
		return 0, false
	}
	id, err := strconv.ParseUint(digits, 10, 64)
	return id, err == nil
}

func frameCRC(length, payload []byte) uint32 {
	return crc32.Update(crc32.Checksum(length, castagnoli), castagnoli, payload)
}

// appendFrame appends rec, framed, to dst.
func appendFrame(dst, rec []byte) []byte {
	var h [headerSize]byte
	binary.LittleEndian.PutUint32(h[:4], uint32(len(rec)))
	binary.LittleEndian.PutUint32(h[4:], frameCRC(h[:4], rec))
	return append(append(dst, h[:]...), rec...)
}

// scanSegment reads the frames of a segment of the given size from r, calling
// visit with each valid record's start and end offsets, and returns the end of
// the last valid record. A short, oversized or mismatched frame ends the
// segment: it is a write torn by a crash (or one whose fsync failed), never
// acknowledged, so it and anything after it are not records. Only I/O errors
// are returned as errors.
func scanSegment(r io.Reader, size int64, visit func(start, end int64)) (int64, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var h [headerSize]byte
	var payload []byte
	var off int64
	for size-off >= headerSize {
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return off, err
		}
		n := int64(binary.LittleEndian.Uint32(h[:4]))
		if n > size-off-headerSize {
			return off, nil
		}
		if int64(cap(payload)) < n {
			payload = make([]byte, n)
		}
		payload = payload[:n]
		if _, err := io.ReadFull(br, payload); err != nil {
			return off, err
		}
		if frameCRC(h[:4], payload) != binary.LittleEndian.Uint32(h[4:]) {
			return off, nil
		}
		end := off + headerSize + n
		visit(off, end)
		off = end
	}
	return off, nil
}

// readRecord reads the record at off from f, which holds limit valid bytes,
// and returns its payload and the offset after it.
func readRecord(f *os.File, off, limit int64) ([]byte, int64, error) {
	var h [headerSize]byte
	if limit-off < headerSize {
		return nil, 0, errors.New("truncated header")
	}
	if _, err := f.ReadAt(h[:], off); err != nil {
		return nil, 0, err
	}
	n := int64(binary.LittleEndian.Uint32(h[:4]))
	if n > limit-off-headerSize {
		return nil, 0, fmt.Errorf("record length %d overruns the segment", n)
	}
	payload := make([]byte, n)
	if _, err := f.ReadAt(payload, off+headerSize); err != nil {
		return nil, 0, err
	}
	// Checked again because the bytes were validated at Open or written by
	// this process; a mismatch now is the disk failing, not a torn write.
	if frameCRC(h[:4], payload) != binary.LittleEndian.Uint32(h[4:]) {
		return nil, 0, errors.New("checksum mismatch")
	}
	return payload, off + headerSize + n, nil
}

// position is where Drain resumes: the first undrained byte is off in
// segment seg, and every record in earlier segments is drained.
type position struct {
	seg uint64
	off int64
}

// The position file is "SPOS", seg and off as little-endian uint64s, and a
// CRC32C of those 20 bytes.
const (
	posMagic = "SPOS"
	posSize  = 24
)

func encodePosition(p position) []byte {
	b := make([]byte, 0, posSize)
	b = append(b, posMagic...)
	b = binary.LittleEndian.AppendUint64(b, p.seg)
	b = binary.LittleEndian.AppendUint64(b, uint64(p.off))
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func decodePosition(b []byte) (position, bool) {
	if len(b) != posSize || string(b[:4]) != posMagic ||
		crc32.Checksum(b[:20], castagnoli) != binary.LittleEndian.Uint32(b[20:]) {
		return position{}, false
	}
	p := position{seg: binary.LittleEndian.Uint64(b[4:]), off: int64(binary.LittleEndian.Uint64(b[12:]))}
	return p, p.off >= 0
}

// readPosition reads the position file. ok is false when there is none or it
// cannot be decoded; Open then drains from the oldest segment, which at worst
// replays records (delivery is at-least-once anyway).
func readPosition(path string) (p position, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return position{}, false, nil
	}
	if err != nil {
		return position{}, false, err
	}
	p, ok = decodePosition(b)
	return p, ok, nil
}

// replaceFile atomically replaces dir/name with data: write a temporary file,
// fsync it, rename it over name, fsync the directory. A crash leaves either
// the old content or the new one.
func replaceFile(d *os.File, dir, name string, data []byte) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return syncDir(d)
}

// syncPath fsyncs the directory at path.
func syncPath(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return err
	}
	err = syncDir(d)
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
