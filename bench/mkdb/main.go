// Command mkdb writes a libyawire database of invented stories, for load
// tests: go run ./bench/mkdb -out /tmp/bench.db -stories 100000
package main

import (
	"flag"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/libyawire/libyawire/store"
)

func main() {
	out := flag.String("out", "bench.db", "the database to write")
	n := flag.Int("stories", 100_000, "how many stories")
	flag.Parse()
	db, err := store.Open(*out, &store.Options{NoSync: true})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	places := []string{"sirte", "tripoli", "benghazi", "misrata", "derna", "sabha", "zawiya", "tobruk", "kufra", "ghat"}
	topics := []string{"oil-blockade", "migration", "elections", "economy-dinar", "electricity", "armed-clashes"}
	para := strings.Repeat("The municipal council met engineers and residents to discuss the coastal road, the water supply and the new school. ", 3)
	start := time.Now().Add(-time.Duration(*n) * time.Minute)
	const batch = 500
	for i := 0; i < *n; i += batch {
		source := fmt.Sprintf("outlet-%02d", (i/batch)%20)
		var items []store.Item
		for j := i; j < min(i+batch, *n); j++ {
			place, topic := places[j%len(places)], topics[j%len(topics)]
			items = append(items, store.Item{
				GUID:      fmt.Sprintf("bench-%d", j),
				Link:      fmt.Sprintf("https://%s.example/news/%d", source, j),
				Title:     fmt.Sprintf("Story %d: %s and %s", j, place, topic),
				Summary:   "<p>" + para[:200] + "</p>",
				Content:   "<p>" + para + "</p><p>" + para + "</p>",
				Language:  "en",
				Published: start.Add(time.Duration(j) * time.Minute),
				Tags:      []string{"libya", place, topic},
			})
		}
		if _, err := db.Ingest(source, items, store.SourceState{Status: 200}); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("%s: %d stories\n", *out, *n)
}
