//go:build !linux

package backup

// dropCache is the Linux page-cache advice (cache_linux.go); elsewhere the cache is left alone.
func dropCache(string) {}
