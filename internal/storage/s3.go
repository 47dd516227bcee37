package storage

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"gocloud.dev/blob"
	"gocloud.dev/blob/s3blob"
)

func init() { Register("s3", s3Backend{}) }

const (
	defaultRegion = "us-east-1"

	// Uploads are streamed in parts of s3PartSize (S3's minimum), s3Concurrency
	// at a time, so a writer holds at most (s3Concurrency+1) parts in memory
	// plus the one being filled: about 20 MiB.
	s3PartSize    = 5 << 20
	s3Concurrency = 2
)

// s3Options are the query parameters an s3:// URI may carry.
var s3Options = []string{"endpoint", "region", "path_style", "use_path_style"}

var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

type s3Backend struct{}

func (s3Backend) Parse(u *url.URL) (Location, error) {
	const form = "s3://BUCKET/PREFIX"
	if u.Opaque != "" {
		return Location{}, fmt.Errorf("s3:// URIs are written %s", form)
	}
	if u.Host == "" {
		return Location{}, fmt.Errorf("s3:// needs a bucket name: %s", form)
	}
	if !bucketName.MatchString(u.Host) {
		return Location{}, fmt.Errorf("%q is not a valid bucket name: use 3 to 63 lowercase letters, digits, dots and hyphens", u.Host)
	}
	loc := Location{Scheme: "s3", Bucket: u.Host, Options: url.Values{}}
	if p := strings.Trim(u.Path, "/"); p != "" {
		if err := checkPath(p); err != nil {
			return Location{}, fmt.Errorf("the prefix %q after the bucket name is not valid: use names separated by single slashes, without . or .. names", p)
		}
		loc.Path = p
	}
	q := u.Query()
	for k, v := range q {
		if !slices.Contains(s3Options, k) {
			return Location{}, fmt.Errorf("unknown option %q in the s3:// URI: the options are %s", k, strings.Join(s3Options[:3], ", "))
		}
		if len(v) != 1 {
			return Location{}, fmt.Errorf("option %q is given %d times in the s3:// URI", k, len(v))
		}
	}
	if e := q.Get("endpoint"); e != "" {
		eu, err := url.Parse(e)
		if err != nil || (eu.Scheme != "http" && eu.Scheme != "https") || eu.Host == "" || eu.User != nil || eu.RawQuery != "" {
			return Location{}, fmt.Errorf("endpoint must be an address such as http://127.0.0.1:9000 or https://s3.example.com")
		}
		loc.Options.Set("endpoint", strings.TrimSuffix(e, "/"))
	}
	if r := q.Get("region"); r != "" {
		loc.Options.Set("region", r)
	}
	for _, k := range []string{"path_style", "use_path_style"} {
		if v := q.Get(k); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return Location{}, fmt.Errorf("%s must be true or false, not %q", k, v)
			}
			loc.Options.Set("path_style", strconv.FormatBool(b))
		}
	}
	return loc, nil
}

func (s3Backend) Open(ctx context.Context, loc Location, creds Credentials) (Bucket, error) {
	var provider aws.CredentialsProvider
	switch {
	case creds.AccessKeyID == "" && creds.SecretAccessKey == "":
		provider = aws.AnonymousCredentials{}
	case creds.AccessKeyID == "" || creds.SecretAccessKey == "":
		err := errors.New("incomplete credentials")
		return nil, &Error{Op: "open", Err: err, Hint: "enter both the access key ID and the secret access key, or neither for a public bucket"}
	default:
		provider = credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, "")
	}
	region := loc.Options.Get("region")
	if region == "" {
		region = defaultRegion
	}
	// A bare aws.Config: nothing is read from the environment or ~/.aws.
	cfg := aws.Config{Region: region, Credentials: provider}
	endpoint := loc.Options.Get("endpoint")
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		// Path-style requests by default with a custom endpoint: S3-compatible
		// servers (MinIO, Ceph, ...) rarely have the DNS virtual hosts need.
		ps := loc.Options.Get("path_style")
		o.UsePathStyle = ps == "true" || (ps == "" && endpoint != "")
	})
	b, err := s3blob.OpenBucket(ctx, client, loc.Bucket, nil)
	if err != nil {
		return nil, err
	}
	if loc.Path != "" {
		b = blob.PrefixedBucket(b, loc.Path+"/")
	}
	where := "AWS S3"
	if endpoint != "" {
		where = endpoint
	}
	display := Location{Scheme: loc.Scheme, Bucket: loc.Bucket, Path: loc.Path}.String()
	return &s3Bucket{b: b, client: client, bucket: loc.Bucket, prefix: loc.Path, display: display, where: where}, nil
}

type s3Bucket struct {
	b       *blob.Bucket
	client  *s3.Client
	bucket  string
	prefix  string // the location's key prefix, "" for the bucket's root
	display string // s3://bucket/prefix, for messages
	where   string // endpoint, for messages
}

func (b *s3Bucket) Blob() *blob.Bucket { return b.b }
func (b *s3Bucket) Close() error       { return b.b.Close() }

func (b *s3Bucket) NewWriter(ctx context.Context, key string) (io.WriteCloser, error) {
	return b.b.NewWriter(ctx, key, &blob.WriterOptions{
		ContentType: "application/octet-stream",
		IfNotExist:  true, // If-None-Match: *
		BeforeWrite: func(as func(any) bool) error {
			// gocloud sets only part size and concurrency on its transfer
			// manager; replace it to bound memory (threshold) and to abort
			// a failed multipart upload even after ctx was canceled.
			var tm *transfermanager.Client
			if as(&tm) {
				*tm = *transfermanager.New(b.client, func(o *transfermanager.Options) {
					o.PartSizeBytes = s3PartSize
					o.MultipartUploadThreshold = s3PartSize
					o.Concurrency = s3Concurrency
					o.FailTimeout = time.Minute
				})
			}
			return nil
		},
	})
}

func (b *s3Bucket) Delete(ctx context.Context, key string) error {
	return b.b.Delete(ctx, key)
}

func (b *s3Bucket) Hint(err error) string {
	bucket := "s3://" + b.bucket
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchBucket":
			return fmt.Sprintf("bucket %q does not exist at %s: create it, or correct the bucket name", b.bucket, b.where)
		case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "InvalidSecurity", "AuthorizationHeaderMalformed":
			if ae.ErrorCode() == "AuthorizationHeaderMalformed" && strings.Contains(ae.ErrorMessage(), "region") {
				return fmt.Sprintf("%s is in another region: add region=REGION to the URI", bucket)
			}
			return fmt.Sprintf("%s refused the credentials: check the access key ID and secret access key", b.where)
		case "AccessDenied", "AllAccessDisabled", "Forbidden":
			return fmt.Sprintf("access denied to %s: the credentials need permission to list, read, write and delete objects there", b.display)
		case "PermanentRedirect", "IllegalLocationConstraintException":
			return fmt.Sprintf("%s is in another region: add region=REGION to the URI", bucket)
		case "XMinioStorageFull", "QuotaExceeded", "XMinioAdminBucketQuotaExceeded":
			return fmt.Sprintf("the storage holding %s is full or over its quota: free space or choose another collection", bucket)
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case http.StatusForbidden, http.StatusUnauthorized:
			return fmt.Sprintf("access denied to %s: check the access key ID and secret, and that they may read and write there", b.display)
		case http.StatusMovedPermanently:
			return fmt.Sprintf("%s is in another region: add region=REGION to the URI", bucket)
		}
	}
	var ue x509.UnknownAuthorityError
	if errors.As(err, &ue) {
		return fmt.Sprintf("the TLS certificate of %s is not trusted: install its CA certificate on this host", b.where)
	}
	var ne net.Error
	var oe *net.OpError
	var de *net.DNSError
	if errors.As(err, &oe) || errors.As(err, &de) || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Sprintf("cannot reach %s: check the endpoint address and that the server is running", b.where)
	}
	return ""
}
