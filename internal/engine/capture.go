package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// captureSpec is what to read from a chain's slot: the transactions that
// committed at or after From (the previous layer's end) and before To (this
// layer's consistent point).
type captureSpec struct {
	DSN         string
	Slot        string
	Publication string
	From, To    pglogrepl.LSN
}

// statusInterval is how often the stream tells the server it is alive;
// wal_sender_timeout is 60 s by default.
const statusInterval = 10 * time.Second

// captureChanges streams the slot from spec.From and hands every row change
// of a committed transaction with a commit LSN before spec.To to sink, in
// commit order. It returns once the stream has passed spec.To: a transaction
// committing at or after it begins, or the server reports it decoded past it
// between transactions. It confirms nothing: the server keeps the WAL
// until confirm moves the slot, after the layer is stored.
func captureChanges(ctx context.Context, spec captureSpec, sink func(*change) error) (*pgconn.PgConn, error) {
	// pgoutput sends values in text, formatted by the walsender's
	// settings: pin the ones that change text forms, so that the restore
	// reads them back the same whatever the server's defaults. With only
	// pg_catalog on the search path, reg* values (regclass...) name their
	// objects with their schema, as the restore must read them.
	conn, err := replicationConn(ctx, spec.DSN, "strata incremental (capture)", map[string]string{
		"DateStyle": "ISO", "IntervalStyle": "postgres", "extra_float_digits": "3", "bytea_output": "hex", "TimeZone": "UTC",
		"search_path": sourcePath["search_path"],
	})
	if err != nil {
		return nil, err
	}
	err = pglogrepl.StartReplication(ctx, conn, spec.Slot, spec.From, pglogrepl.StartReplicationOptions{
		PluginArgs: []string{"proto_version '1'", "publication_names " + quoteLiteral(spec.Publication), "messages 'true'"},
	})
	if err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("start streaming from slot %s: %w", spec.Slot, err)
	}
	s := &stream{spec: spec, conn: conn, rels: map[uint32]*relation{}, sink: sink}
	if err := s.run(ctx); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return conn, nil
}

// confirm tells the server the slot's changes before lsn are stored, so it
// may recycle their WAL, and ends the stream.
func confirm(ctx context.Context, conn *pgconn.PgConn, lsn pglogrepl.LSN) error {
	defer conn.Close(context.WithoutCancel(ctx))
	if err := pglogrepl.SendStandbyStatusUpdate(ctx, conn, pglogrepl.StandbyStatusUpdate{
		WALWritePosition: lsn, WALFlushPosition: lsn, WALApplyPosition: lsn,
	}); err != nil {
		return err
	}
	// The server handles messages in order: once it answers CopyDone it
	// has applied the confirmation.
	_, err := pglogrepl.SendStandbyCopyDone(ctx, conn)
	return err
}

type stream struct {
	spec     captureSpec
	conn     *pgconn.PgConn
	rels     map[uint32]*relation
	sink     func(*change) error
	inTx     bool
	lsn      uint64 // commit LSN of the transaction being received
	time     int64
	received pglogrepl.LSN
}

func (s *stream) run(ctx context.Context) error {
	nextStatus := time.Now().Add(statusInterval)
	for {
		if time.Now().After(nextStatus) {
			if err := s.status(ctx); err != nil {
				return err
			}
			nextStatus = time.Now().Add(statusInterval)
		}
		rctx, cancel := context.WithDeadline(ctx, nextStatus)
		msg, err := s.conn.ReceiveMessage(rctx)
		cancel()
		if err != nil {
			if pgconn.Timeout(err) && ctx.Err() == nil {
				continue
			}
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return fmt.Errorf("stream from slot %s: %w", s.spec.Slot, err)
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			done, err := s.copyData(ctx, m.Data)
			if err != nil || done {
				return err
			}
		case *pgproto3.ErrorResponse:
			return fmt.Errorf("stream from slot %s: %w", s.spec.Slot, pgconn.ErrorResponseToPgError(m))
		}
	}
}

// status reports the stream alive without confirming anything new: the
// flush position stays where the previous layer ended.
func (s *stream) status(ctx context.Context) error {
	return pglogrepl.SendStandbyStatusUpdate(ctx, s.conn, pglogrepl.StandbyStatusUpdate{
		WALWritePosition: s.received, WALFlushPosition: s.spec.From, WALApplyPosition: s.spec.From,
	})
}

func (s *stream) copyData(ctx context.Context, data []byte) (done bool, err error) {
	if len(data) == 0 {
		return false, nil
	}
	switch data[0] {
	case pglogrepl.PrimaryKeepaliveMessageByteID:
		ka, err := pglogrepl.ParsePrimaryKeepaliveMessage(data[1:])
		if err != nil {
			return false, err
		}
		// In logical replication the keepalive's position is how far the
		// decoder has read: between transactions, past To means every
		// transaction that committed before To has been sent.
		if !s.inTx && ka.ServerWALEnd >= s.spec.To {
			return true, nil
		}
		if ka.ReplyRequested {
			return false, s.status(ctx)
		}
	case pglogrepl.XLogDataByteID:
		x, err := pglogrepl.ParseXLogData(data[1:])
		if err != nil {
			return false, err
		}
		s.received = max(s.received, x.WALStart)
		return s.decode(x.WALData)
	}
	return false, nil
}

func (s *stream) decode(data []byte) (done bool, err error) {
	if len(data) > 0 && (data[0] == 'I' || data[0] == 'U' || data[0] == 'D') {
		// Row changes, nearly every message: decoded here straight into
		// values (pglogrepl allocates a struct per column).
		c, err := decodeRowChange(data)
		if err != nil {
			return false, fmt.Errorf("decode change: %w", err)
		}
		return false, s.emitChange(c)
	}
	msg, err := pglogrepl.Parse(data)
	if err != nil {
		return false, fmt.Errorf("decode change: %w", err)
	}
	switch m := msg.(type) {
	case *pglogrepl.BeginMessage:
		if m.FinalLSN >= s.spec.To {
			return true, nil // committed after the layer's consistent point
		}
		s.inTx, s.lsn, s.time = true, uint64(m.FinalLSN), m.CommitTime.UnixMicro()
	case *pglogrepl.CommitMessage:
		s.inTx = false
	case *pglogrepl.RelationMessage:
		r := &relation{}
		for _, c := range m.Columns {
			r.Columns = append(r.Columns, c.Name)
			r.Types = append(r.Types, c.DataType)
			r.Key = append(r.Key, c.Flags&1 == 1)
		}
		if old := s.rels[m.RelationID]; old.same(r) {
			r = old
		}
		s.rels[m.RelationID] = r
	case *pglogrepl.TruncateMessage:
		for _, id := range m.RelationIDs {
			if err := s.emitChange(&change{Table: id, Op: opTruncate}); err != nil {
				return false, err
			}
		}
	}
	return false, nil
}

// emitChange completes c with the transaction and the relation and hands
// it on.
func (s *stream) emitChange(c *change) error {
	rel := s.rels[c.Table]
	if rel == nil {
		return fmt.Errorf("change of relation %d before its description", c.Table)
	}
	c.LSN, c.Time, c.Rel = s.lsn, s.time, rel
	return s.sink(c)
}

// decodeRowChange decodes a pgoutput Insert, Update or Delete message:
//
//	'I' relid 'N' tuple
//	'U' relid ['K' tuple | 'O' tuple] 'N' tuple
//	'D' relid ('K' | 'O') tuple
//
// The values are copied out of data (the connection's read buffer, reused
// for the next message) into one allocation per tuple.
func decodeRowChange(data []byte) (*change, error) {
	if len(data) < 6 {
		return nil, errBadMessage
	}
	c := &change{Op: data[0], Table: binary.BigEndian.Uint32(data[1:5])}
	p := data[5:]
	var err error
	switch c.Op {
	case opInsert:
		c.New, p, err = readTuple(p, 'N')
	case opUpdate:
		if p[0] == 'K' || p[0] == 'O' {
			if c.Old, p, err = readTuple(p, p[0]); err != nil {
				return nil, err
			}
		}
		c.New, p, err = readTuple(p, 'N')
	case opDelete:
		c.Old, p, err = readTuple(p, p[0])
	}
	if err != nil {
		return nil, err
	}
	if len(p) != 0 {
		return nil, errBadMessage
	}
	return c, nil
}

var errBadMessage = errors.New("malformed pgoutput message")

// readTuple reads a tuple that starts with the byte tag, and returns the
// rest of p.
func readTuple(p []byte, tag byte) ([]value, []byte, error) {
	if len(p) < 3 || p[0] != tag {
		return nil, nil, errBadMessage
	}
	n := int(binary.BigEndian.Uint16(p[1:3]))
	p = p[3:]
	// First pass: check every length and size the arena.
	size, q := 0, p
	for range n {
		if len(q) < 1 {
			return nil, nil, errBadMessage
		}
		kind := q[0]
		q = q[1:]
		switch kind {
		case 't':
			if len(q) < 4 {
				return nil, nil, errBadMessage
			}
			l := int(binary.BigEndian.Uint32(q))
			if l < 0 || len(q) < 4+l {
				return nil, nil, errBadMessage
			}
			size += l
			q = q[4+l:]
		case 'u', 'n':
		default: // 'b' needs the binary option, which the stream does not ask for
			return nil, nil, errBadMessage
		}
	}
	arena := make([]byte, 0, size)
	out := make([]value, n)
	for i := range out {
		kind := p[0]
		p = p[1:]
		switch kind {
		case 't':
			l := int(binary.BigEndian.Uint32(p))
			start := len(arena)
			arena = append(arena, p[4:4+l]...)
			out[i] = value{Kind: valText, Data: arena[start:len(arena):len(arena)]}
			p = p[4+l:]
		case 'u':
			out[i] = value{Kind: valUnchanged}
		default:
			out[i] = value{Kind: valNull}
		}
	}
	return out, p, nil
}

// replicationConn opens a logical replication connection to dsn's database.
func replicationConn(ctx context.Context, dsn, app string, settings map[string]string) (*pgconn.PgConn, error) {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["replication"] = "database"
	cfg.RuntimeParams["application_name"] = app
	for k, v := range sessionTimeoutsOff {
		cfg.RuntimeParams[k] = v
	}
	for k, v := range settings {
		cfg.RuntimeParams[k] = v
	}
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("replication connection: %w", err)
	}
	return conn, nil
}
