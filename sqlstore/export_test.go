package sqlstore

// NewDirectKPIService returns a KPIService that always answers with the
// direct query, the reference the rollups are tested against.
func NewDirectKPIService(db *DB) *KPIService { return &KPIService{db: db, direct: true} }
