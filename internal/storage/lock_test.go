package storage

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/stratabackup/strata/internal/testutil/minio"
)

// TestObjectLock reads locks: none on a local folder or a bucket without
// object lock; on a locked bucket the default retention from the write and
// a legal hold; a missing object is ErrNotFound. Only the s3 subtest starts
// MinIO.
func TestObjectLock(t *testing.T) {
	t.Run("file", func(t *testing.T) {
		file := mustOpen(t, "file://"+t.TempDir()+"/c", Credentials{})
		put(t, file, "a/b", []byte("x"))
		if on, err := file.Locking(ctx); on || err != nil {
			t.Errorf("file: Locking = %v, %v", on, err)
		}
		if l, err := file.Lock(ctx, "a/b"); l != (Lock{}) || err != nil {
			t.Errorf("file: Lock = %+v, %v", l, err)
		}
		if _, err := file.Lock(ctx, "a/c"); !errors.Is(err, ErrNotFound) {
			t.Errorf("file: missing object: %v", err)
		}
	})
	t.Run("s3", func(t *testing.T) {
		srv := minio.Start(t)
		creds := Credentials{srv.AccessKey, srv.SecretKey}
		srv.CreateBucket(t, "plain")
		if on, err := mustOpen(t, srv.URI("plain", "c"), creds).Locking(ctx); on || err != nil {
			t.Errorf("plain bucket: Locking = %v, %v", on, err)
		}

		srv.CreateLockedBucket(t, "locked", 1)
		s := mustOpen(t, srv.URI("locked", "some/prefix"), creds)
		before := time.Now()
		put(t, s, "a/b", []byte("x"))
		put(t, s, "a/held", []byte("x"))
		if on, err := s.Locking(ctx); !on || err != nil {
			t.Fatalf("locked bucket: Locking = %v, %v", on, err)
		}
		l, err := s.Lock(ctx, "a/b")
		if err != nil {
			t.Fatal(err)
		}
		day := 24 * time.Hour
		if l.Until.Before(before.Add(day-time.Minute)) || l.Until.After(time.Now().Add(day+time.Minute)) || l.Mode != "GOVERNANCE" || l.LegalHold {
			t.Errorf("lock = %+v, want a day of governance retention", l)
		}
		if !l.Held(time.Now()) || l.Held(l.Until) {
			t.Errorf("Held: true now, false once lapsed")
		}
		if _, err := srv.Client().PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: aws.String("locked"), Key: aws.String("some/prefix/a/held"),
			LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOn}}); err != nil {
			t.Fatal(err)
		}
		h, err := s.Lock(ctx, "a/held")
		if err != nil || !h.LegalHold || !h.Held(h.Until.Add(time.Hour)) {
			t.Errorf("legal hold: %+v, %v", h, err)
		}
		if got := l.Later(h); !got.LegalHold || !got.Until.Equal(h.Until) {
			t.Errorf("Later = %+v", got)
		}
		if _, err := s.Lock(ctx, "a/none"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing object: %v", err)
		}
	})
}
