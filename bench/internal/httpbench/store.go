package httpbench

import "os"

// StoreSize returns the bytes of the SQLite database at path with its
// write-ahead log.
func StoreSize(path string) int64 {
	return fileSize(path) + fileSize(path+"-wal")
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
