package http

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gridline/gridline"
	"github.com/xuri/excelize/v2"
)

// maxHotlineFile bounds an uploaded 12345 export: 100,000 rows of CSV
// take about 40 MB.
const maxHotlineFile = 96 << 20

// ReadHotline12345File reads a 12345 export: XLSX (its first sheet) when
// it starts as a zip file does, else CSV in UTF-8 or GBK.
func ReadHotline12345File(b []byte, m *gridline.Hotline12345Mapping) ([]gridline.Hotline12345Row, error) {
	if !bytes.HasPrefix(b, []byte("PK\x03\x04")) {
		return gridline.ReadHotline12345CSV(b, m)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		return nil, gridline.Errorf(gridline.EINVALID, "The file is not a readable XLSX workbook: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, gridline.Errorf(gridline.EINVALID, "The workbook has no sheet.")
	}
	// Raw values: a date cell is its serial number, whatever its format.
	recs, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, gridline.Errorf(gridline.EINVALID, "The workbook's first sheet cannot be read: %v", err)
	}
	if len(recs) > gridline.MaxHotline12345Rows+1 {
		return nil, gridline.Errorf(gridline.EINVALID, "The sheet has more than %d rows; split it.", gridline.MaxHotline12345Rows)
	}
	return gridline.Hotline12345Records(recs, m)
}

// handleHotlineImport takes in a 12345 export: the file as the body, or
// multipart/form-data with the parts file and (optional) mapping. Every
// good row is imported and every bad one reported with its line, unless
// atomic=true, which imports all or nothing.
func (s *Server) handleHotlineImport(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "atomic")
	atomic := q.bool("atomic")
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	var file, mapping []byte
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			s.Error(w, r, gridline.Errorf(gridline.EINVALID, "request body: %v", err))
			return
		}
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			} else if err != nil {
				s.Error(w, r, bodyError(err))
				return
			}
			b, err := io.ReadAll(p)
			if err != nil {
				s.Error(w, r, bodyError(err))
				return
			}
			switch p.FormName() {
			case "file":
				file = b
			case "mapping":
				mapping = b
			default:
				s.Error(w, r, gridline.FieldErrorf(p.FormName(), "unknown part (want file and mapping)"))
				return
			}
		}
	} else {
		b, err := readBody(r, maxHotlineFile)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		file = b
	}
	if len(file) == 0 {
		s.Error(w, r, gridline.FieldErrorf("file", "is required: the 12345 export (CSV or XLSX)"))
		return
	}
	var m *gridline.Hotline12345Mapping
	if len(strings.TrimSpace(string(mapping))) > 0 {
		var err error
		if m, err = gridline.ParseHotline12345Mapping(mapping); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	rows, err := ReadHotline12345File(file, m)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	g, err := s.gazetteer(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rep, err := gridline.ImportHotline12345(r.Context(), rows, s.catalogue(r), m, g, s.Hotline, atomic)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	status := http.StatusOK
	if !rep.Applied {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, rep)
}

// inboundCase is a case the 12345 platform pushes: the fields of an
// export row, by their English names, and a position when the platform
// has one.
type inboundCase struct {
	ExternalID    string   `json:"external_id"`
	ReportedAt    string   `json:"reported_at"`
	ReporterName  string   `json:"reporter_name"`
	ReporterPhone string   `json:"reporter_phone"`
	Text          string   `json:"text"`
	Address       string   `json:"address"`
	Category      string   `json:"category"`
	TimeLimit     string   `json:"time_limit"`
	Confidential  bool     `json:"confidential"`
	Lon           *float64 `json:"lon"`
	Lat           *float64 `json:"lat"`
}

// handleInbound12345 takes in one case the 12345 platform pushes, as an
// export row is taken in, and answers its case number: 201 when new, 200
// when the same 工单编号 came before (a replay creates nothing).
func (s *Server) handleInbound12345(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	var in inboundCase
	if err := decode(r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	conf := "否"
	if in.Confidential {
		conf = "是"
	}
	row := gridline.Hotline12345Row{Line: 1, Fields: map[string]string{"external_id": in.ExternalID, "reported_at": in.ReportedAt,
		"reporter_name": in.ReporterName, "reporter_phone": in.ReporterPhone, "text": in.Text, "address": in.Address,
		"category": in.Category, "time_limit": in.TimeLimit, "confidential": conf}}
	t, rerr := gridline.Hotline12345Case(row, s.catalogue(r), nil)
	if rerr != nil {
		s.Error(w, r, gridline.FieldErrorf(rerr.Field, "%s", strings.TrimPrefix(rerr.Reason, rerr.Field+": ")))
		return
	}
	if (in.Lon == nil) != (in.Lat == nil) {
		s.Error(w, r, gridline.FieldErrorf("lat", "lon and lat come together"))
		return
	}
	if in.Lon != nil {
		t.Lon, t.Lat = in.Lon, in.Lat
	} else {
		// The platform sent words only: placed as an export row is, on
		// the gazetteer the server keeps.
		g, err := s.gazetteer(r.Context())
		if err != nil {
			s.Error(w, r, err)
			return
		}
		gridline.PlaceByAddress(t, g)
	}
	created, err := s.Tickets.CreateTicket(r.Context(), t)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]any{"id": t.ID, "number": t.Number, "status": t.Status, "external_id": t.ExternalID,
		"created": created})
}

// gazetteer returns the gazetteer of the standard addresses as they are
// now: from the server's cache when it has one, else read afresh.
func (s *Server) gazetteer(ctx context.Context) (*gridline.Gazetteer, error) {
	if s.Gazetteers != nil {
		return s.Gazetteers.Gazetteer(ctx)
	}
	return gridline.LoadGazetteer(ctx, s.Services)
}
