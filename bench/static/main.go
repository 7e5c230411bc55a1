// Command static serves one file's bytes from memory at every path, with
// the headers a feed response carries: the floor libyawire's own serving
// is compared with in bench/serve.sh.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"log"
	"net/http"
	"os"
)

func main() {
	file := flag.String("file", "", "the body to serve")
	addr := flag.String("addr", "127.0.0.1:8099", "where to listen")
	contentType := flag.String("type", "application/atom+xml; charset=utf-8", "its Content-Type")
	flag.Parse()
	body, err := os.ReadFile(*file)
	if err != nil {
		log.Fatal(err)
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", *contentType)
		h.Set("ETag", etag)
		h.Set("Cache-Control", "max-age=60")
		w.Write(body)
	})))
}
