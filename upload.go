package gridline

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// UploadLimits bound a file sent to the API or imported by the command
// line. A parser applies them by reading the file through [OpenUpload]
// (ParseRegionsCSV does; new uploads should).
type UploadLimits struct {
	// MaxBytes bounds the file as sent and again once decompressed: a
	// 2.6 MB gzip can hold 1 GiB of CSV.
	MaxBytes int64
	// MaxLine bounds the bytes of one line of a text file, so a parser
	// never buffers a giant line; 0 means no bound (binary files).
	MaxLine int
}

// OpenUpload returns the content of r, decompressed when it is a gzip
// stream (detected by its magic number, whatever the file is called).
// Reading fails with EINVALID once the file as sent or its content
// exceeds lim.MaxBytes, or a line exceeds lim.MaxLine; the error then
// stays. Returns EINVALID if r starts like gzip but is not.
func OpenUpload(r io.Reader, lim UploadLimits) (io.Reader, error) {
	size := mbText(lim.MaxBytes)
	br := bufio.NewReaderSize(r, 64<<10)
	sent := &boundedReader{r: br, left: lim.MaxBytes, over: Errorf(EINVALID, "the file is larger than %s", size)}
	if magic, err := br.Peek(2); err != nil || magic[0] != 0x1f || magic[1] != 0x8b {
		// Plain content: what is sent is the content, so one count does.
		sent.maxLine, sent.line = lim.MaxLine, 1
		return sent, nil
	}
	zr, err := gzip.NewReader(sent)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, Errorf(EINVALID, "bad gzip stream: %v", err)
	}
	// zr reads concatenated gzip members as one stream (RFC 1952), so
	// the bound is on the total, not per member.
	return &boundedReader{r: zr, left: lim.MaxBytes, maxLine: lim.MaxLine, line: 1,
		over: Errorf(EINVALID, "the file expands beyond %s", size)}, nil
}

func mbText(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// boundedReader fails with over once more than left bytes come through,
// and with a line error once a line is longer than maxLine.
type boundedReader struct {
	r       io.Reader
	left    int64
	over    *Error
	maxLine int
	line    int // current line, from 1
	lineLen int // bytes of the current line read so far
	err     error
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	// One byte more than allowed tells "exactly the limit" from "over".
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.r.Read(p)
	if int64(n) > b.left {
		b.err = b.over
		return 0, b.err
	}
	b.left -= int64(n)
	if b.maxLine > 0 {
		if e := b.countLines(p[:n]); e != nil {
			b.err = e
			return 0, e
		}
	}
	return n, err
}

func (b *boundedReader) countLines(p []byte) error {
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			b.lineLen += len(p)
		} else {
			b.lineLen += i
		}
		if b.lineLen > b.maxLine {
			return lineError(b.line, "longer than %d bytes", b.maxLine)
		}
		if i < 0 {
			return nil
		}
		b.line++
		b.lineLen = 0
		p = p[i+1:]
	}
}
