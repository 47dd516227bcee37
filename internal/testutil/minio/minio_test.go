package minio

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestStartAndCreateBucket(t *testing.T) {
	s := Start(t)
	s.CreateBucket(t, "strata-test")
	ctx := context.Background()
	c := s.Client()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("strata-test"), Key: aws.String("a/b"), Body: strings.NewReader("hello"),
	}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("strata-test")})
	if err != nil || len(out.Contents) != 1 || *out.Contents[0].Key != "a/b" {
		t.Fatalf("list = %+v, %v", out, err)
	}
	if got, want := s.URI("strata-test", "p/q"), "s3://strata-test/p/q?endpoint="; !strings.HasPrefix(got, want) {
		t.Fatalf("URI = %s", got)
	}
}

func TestCIInstallsThePinnedVersion(t *testing.T) {
	ci, err := os.ReadFile("../../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ci), "\nMINIO_VERSION="+Version+"\n") {
		t.Errorf(".ci/run does not install minio %s", Version)
	}
}
