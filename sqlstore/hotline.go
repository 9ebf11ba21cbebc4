package sqlstore

import (
	"context"

	"github.com/gridline/gridline"
)

// HotlineImportService implements gridline.HotlineImportService over the
// ticket import.
type HotlineImportService struct {
	db      *DB
	tickets *TicketService
}

// NewHotlineImportService returns a HotlineImportService over db.
func NewHotlineImportService(db *DB, tickets *TicketService) *HotlineImportService {
	return &HotlineImportService{db: db, tickets: tickets}
}

var _ gridline.HotlineImportService = (*HotlineImportService)(nil)

// importLookupChunk is how many external numbers one lookup names.
const importLookupChunk = 500

// ImportHotlineCases implements gridline.HotlineImportService: the lookup
// of the numbers already taken in and the import share one transaction,
// so a case is never both skipped and missing.
func (s *HotlineImportService) ImportHotlineCases(ctx context.Context, ts []*gridline.Ticket) ([]bool, error) {
	if err := gridline.CheckIntake(gridline.PrincipalFrom(ctx), gridline.ChannelHotline); err != nil {
		return nil, err
	}
	existing := make([]bool, len(ts))
	if len(ts) == 0 {
		return existing, nil
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		tx, err := s.db.BeginTx(ctx, true)
		if err != nil {
			return err
		}
		taken := map[string]bool{}
		// external_id <> '' lets both databases use the partial unique
		// index tickets_external_idx.
		for lo := 0; lo < len(ts); lo += importLookupChunk {
			hi := min(lo+importLookupChunk, len(ts))
			args := []any{string(gridline.ChannelHotline)}
			for _, t := range ts[lo:hi] {
				args = append(args, t.ExternalID)
			}
			rows, err := tx.QueryContext(ctx, `SELECT external_id FROM tickets WHERE channel = $1 AND external_id <> '' AND external_id IN (`+
				placeholders(2, hi-lo)+`)`, args...)
			if err != nil {
				return translate(s.db.dialect, err)
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				taken[id] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		var fresh []*gridline.Ticket
		for i, t := range ts {
			if taken[t.ExternalID] {
				existing[i] = true
				continue
			}
			fresh = append(fresh, t)
		}
		return s.tickets.ImportTickets(ctx, fresh)
	})
	if err != nil {
		return nil, err
	}
	return existing, nil
}
