package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"io"

	"github.com/gridline/gridline"
)

// addTicketPhotos writes the photos of a new case in its transaction.
func addTicketPhotos(ctx context.Context, tx *Tx, ticketID int64, photos []*gridline.Photo) error {
	for _, p := range photos {
		p.CreatedAt = tx.now
		if _, err := tx.exec(ctx, `INSERT INTO ticket_photos (ticket_id, seq, mime, size, sha256, width, height, created_at, data, event_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			ticketID, p.N, p.MIME, p.Size, p.SHA256, p.Width, p.Height, p.CreatedAt, p.Data, p.EventID); err != nil {
			return err
		}
	}
	return nil
}

// listedPhotos returns photos as a read lists them: without their bytes.
func listedPhotos(photos []*gridline.Photo) []*gridline.Photo {
	var out []*gridline.Photo
	for _, p := range photos {
		c := *p
		c.Data = nil
		out = append(out, &c)
	}
	return out
}

// findTicketPhotos lists a case's photos without their bytes.
func findTicketPhotos(ctx context.Context, tx *Tx, ticketID int64) ([]*gridline.Photo, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, mime, size, sha256, width, height, created_at, event_id
		FROM ticket_photos WHERE ticket_id = $1 ORDER BY seq`, ticketID)
	if err != nil {
		return nil, translate(tx.db.dialect, err)
	}
	defer rows.Close()
	var out []*gridline.Photo
	for rows.Next() {
		var p gridline.Photo
		if err := rows.Scan(&p.N, &p.MIME, &p.Size, &p.SHA256, &p.Width, &p.Height, &p.CreatedAt, &p.EventID); err != nil {
			return nil, err
		}
		p.CreatedAt = p.CreatedAt.UTC()
		out = append(out, &p)
	}
	return out, rows.Err()
}

// FindTicketPhoto implements gridline.TicketService. The bytes are read
// in pieces of photoChunk, each its own short query outside any
// transaction: photos are never changed once written, so the pieces
// always belong together.
func (s *TicketService) FindTicketPhoto(ctx context.Context, id int64, n int) (*gridline.Photo, io.ReadSeeker, error) {
	if sc, ok := scopeFor(ctx, gridline.ResourcePhotos, gridline.ActRead); ok {
		tx, err := s.db.BeginTx(ctx, false)
		if err != nil {
			return nil, nil, err
		}
		in, err := ticketInScope(ctx, tx, id, sc)
		tx.Rollback()
		if err != nil {
			return nil, nil, err
		} else if !in {
			return nil, nil, gridline.Errorf(gridline.ENOTFOUND, "Case %d not found.", id)
		}
	}
	var p gridline.Photo
	var rowID int64
	err := s.db.read.QueryRowContext(ctx, `SELECT id, seq, mime, size, sha256, width, height, created_at
		FROM ticket_photos WHERE ticket_id = $1 AND seq = $2`, id, n).
		Scan(&rowID, &p.N, &p.MIME, &p.Size, &p.SHA256, &p.Width, &p.Height, &p.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		var found bool
		if err := s.db.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM tickets WHERE id = $1)`, id).Scan(&found); err != nil {
			return nil, nil, translate(s.db.dialect, err)
		}
		if !found {
			return nil, nil, gridline.Errorf(gridline.ENOTFOUND, "Case %d not found.", id)
		}
		return nil, nil, gridline.Errorf(gridline.ENOTFOUND, "Case %d has no photo %d.", id, n)
	} else if err != nil {
		return nil, nil, translate(s.db.dialect, err)
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return &p, &photoReader{ctx: ctx, db: s.db, id: rowID, size: int64(p.Size)}, nil
}

// photoChunk is how much of a photo one query reads: a download holds at
// most this much of it in memory, however slowly its client reads.
// SQLite reads the whole value for each substr(), so larger pieces cost
// less there; 512 KiB reads the largest photo in ten.
const photoChunk = 512 << 10

// photoReader reads a stored photo piece by piece.
type photoReader struct {
	ctx    context.Context
	db     *DB
	id     int64 // ticket_photos.id
	size   int64
	off    int64
	buf    []byte // the piece at bufOff
	bufOff int64
}

func (r *photoReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	if r.off < r.bufOff || r.off >= r.bufOff+int64(len(r.buf)) {
		var b []byte
		// substr counts from 1, in bytes for a BLOB and a bytea alike.
		if err := r.db.read.QueryRowContext(r.ctx, `SELECT substr(data, $1, $2) FROM ticket_photos WHERE id = $3`,
			r.off+1, photoChunk, r.id).Scan(&b); err != nil {
			return 0, translate(r.db.dialect, err)
		}
		if len(b) == 0 {
			return 0, io.ErrUnexpectedEOF
		}
		r.buf, r.bufOff = b, r.off
	}
	n := copy(p, r.buf[r.off-r.bufOff:])
	r.off += int64(n)
	return n, nil
}

func (r *photoReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.size
	default:
		return 0, errors.New("photo: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("photo: seek before the start")
	}
	r.off = offset
	return offset, nil
}
