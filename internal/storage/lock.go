package storage

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Lock is what stops an object from being deleted on storage with object
// lock (S3 Object Lock, WORM): a retention date and a legal hold.
type Lock struct {
	Until     time.Time // retain until; zero when the object has no retention
	Mode      string    // "GOVERNANCE" or "COMPLIANCE" with Until
	LegalHold bool      // kept until someone lifts the hold
}

// Held reports whether the lock still forbids deleting the object at now.
func (l Lock) Held(now time.Time) bool { return l.LegalHold || l.Until.After(now) }

// Later returns the lock that lapses last of l and o, for a set of objects
// that all have to go.
func (l Lock) Later(o Lock) Lock {
	if o.Until.After(l.Until) {
		l.Until, l.Mode = o.Until, o.Mode
	}
	l.LegalHold = l.LegalHold || o.LegalHold
	return l
}

// locker is a Bucket whose objects may be locked.
type locker interface {
	// Locking reports whether the bucket has object lock enabled at all.
	Locking(ctx context.Context) (bool, error)
	// Lock returns an object's lock.
	Lock(ctx context.Context, key string) (Lock, error)
}

// Locking reports whether objects of the location can be locked against
// deletion. Local folders cannot; an S3 bucket can when it was created with
// object lock enabled.
func (s *Store) Locking(ctx context.Context) (bool, error) {
	l, ok := s.b.(locker)
	if !ok {
		return false, nil
	}
	on, err := l.Locking(ctx)
	return on, s.wrap("read object lock configuration", "", err)
}

// Lock returns the lock on an object, or an error matching ErrNotFound. Ask
// only where Locking is true: elsewhere it is the zero Lock, or an error
// from a bucket without object lock.
func (s *Store) Lock(ctx context.Context, key string) (Lock, error) {
	if err := CheckKey(key); err != nil {
		return Lock{}, err
	}
	l, ok := s.b.(locker)
	if !ok {
		if _, err := s.Stat(ctx, key); err != nil {
			return Lock{}, err
		}
		return Lock{}, nil
	}
	lock, err := l.Lock(ctx, key)
	return lock, s.wrap("read object lock", key, err)
}

func (b *s3Bucket) Locking(ctx context.Context) (bool, error) {
	out, err := b.client.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(b.bucket)})
	if apiCode(err) == "ObjectLockConfigurationNotFoundError" {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return out.ObjectLockConfiguration != nil && out.ObjectLockConfiguration.ObjectLockEnabled == types.ObjectLockEnabledEnabled, nil
}

func (b *s3Bucket) Lock(ctx context.Context, key string) (Lock, error) {
	full := aws.String(b.fullKey(key))
	var lock Lock
	ret, err := b.client.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String(b.bucket), Key: full})
	switch {
	case apiCode(err) == "NoSuchKey" || apiCode(err) == "NotFound":
		return Lock{}, ErrNotFound
	case noLock(err):
	case err != nil:
		return Lock{}, err
	case ret.Retention != nil && ret.Retention.RetainUntilDate != nil:
		lock.Until, lock.Mode = ret.Retention.RetainUntilDate.UTC(), string(ret.Retention.Mode)
	}
	hold, err := b.client.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: aws.String(b.bucket), Key: full})
	switch {
	case noLock(err):
	case err != nil:
		return Lock{}, err
	case hold.LegalHold != nil:
		lock.LegalHold = hold.LegalHold.Status == types.ObjectLockLegalHoldStatusOn
	}
	return lock, nil
}

func (b *s3Bucket) fullKey(key string) string {
	if b.prefix == "" {
		return key
	}
	return b.prefix + "/" + key
}

// noLock tells the answer for an object without retention or legal hold.
func noLock(err error) bool {
	switch apiCode(err) {
	case "NoSuchObjectLockConfiguration", "ObjectLockConfigurationNotFoundError":
		return true
	}
	return false
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
