// Package store keeps libyawire's stories and per-source state in one bbolt
// file, and answers the queries the published feeds make.
//
// A story is stored once. Ingest takes the items of one fetched feed and, in
// one write transaction, decides for each whether it is new, a changed
// version of a story already held (updated in place: same id, same first-seen
// time), or another source's copy of a story already held (matched by
// canonical link; the copy is added to the story and its tags joined).
// Only the copy that stored a story gives it its title, link and text,
// and only that copy's source changes them; the one exception is an
// earlier report of the same news (grouping) that arrives within five
// minutes of the story, in the same round of fetches.
//
// Prune deletes the stories a Retention says go (see Retention rules below);
// Backup, BackupFile and Compact copy and compact the file; Verify checks
// that the indexes and counts agree with the stories.
//
// A damaged file is a *FileError, one sentence that names the file, says
// what is wrong and what to do, never a crash: Open checks the file's
// length against its meta page before bbolt maps it (bbolt would fault on
// the pages a cut-short file lacks), and every transaction turns bbolt's
// panic on a page that does not decode, and a record that does not
// decode, into one. CheckFile and Salvage read a damaged file's pages
// without bbolt, to say what is lost and to copy what is not into a new
// file.
//
// # Bucket layout
//
// All integers are big-endian so that byte order is numeric order. An id is
// 8 bytes; a "time key" is 8 bytes of the story's published time in Unix
// nanoseconds followed by its 8-byte id, so a cursor walk from the end of an
// index bucket yields stories newest first.
//
//	meta                    "version" -> "3"; "instance" -> random hex naming this database;
//	                        "changed" -> Unix nanoseconds of the last change to any story;
//	                        "tag_version" -> the tag rules every story is tagged under, as
//	                        the last finished Retag or SetTagVersion recorded them;
//	                        "retagging", "retag_next" -> the rules a Retag under way tags
//	                        with and the 8-byte story id it goes on from; both are deleted
//	                        when it finishes
//	stories                 id -> Item as JSON, the whole story. The bucket's sequence
//	                        numbers story ids, so an id is never given out twice, even after
//	                        a story is deleted.
//	summaries               id -> summary as JSON: published, modified, language, tags and
//	                        sources; enough to filter a story without decoding its content
//	time                    time key -> when each outlet joined the story: their number, then
//	                        each time in Unix seconds, earliest first, as uvarints; every
//	                        story, by published time, and what sort=top and developing rank by
//	tags/<slug>             time key -> empty: the stories that carry a tag
//	bysource/<name>         time key -> empty: the stories a source carried
//	langs/<lang>            time key -> empty: the stories in a language, by its tag
//	                        lower-cased (a story whose language is no tag of at most 35
//	                        letters, digits, '-' and '_' is in none)
//	trends                  slug, 0, 4-byte UTC day number (days since 1970-01-01) -> 8-byte
//	                        count of the stories with the tag published that day; the slug
//	                        "*" counts every story. Moved with the tag and time index entries,
//	                        in the same transaction; Verify recounts them
//	counts                  "t/<slug>", "s/<name>" or "l/<lang>" -> 8-byte count of the keys
//	                        in the matching index bucket; "n/stories" -> the number of stories
//	links                   link key -> id: one story per canonical link, across sources
//	keys/<name>             item key -> id: a source's items by their identity within the
//	                        source: "g:"+GUID, else "l:"+link key, else "h:"+hash of
//	                        title and date. A key whose story Prune deleted, or whose copy
//	                        it removed, keeps naming the old id while it is in gone/<name>
//	gone/<name>             item key -> empty: tombstones, the keys of a source's items that
//	                        Prune deleted (or took the source's copy off) while its feed may
//	                        still list them
//	sources                 name -> SourceState as JSON
//
// A link key is the canonical link (see CanonicalLink); a GUID or canonical
// link longer than 1 KiB is keyed as "#" and its SHA-256 in hex instead
// ("g:#...", "l:#...", "#..."), so that no feed can make a key longer than
// bbolt takes (32 KiB) and fail its whole transaction. Tag slugs over 256
// bytes are dropped from a copy's tags for the same reason.
//
// # Versions
//
// Open migrates an older database in the transaction that opens it:
//
//	1 -> 2   langs/<lang> and the "l/" counts are built from the summaries; the
//	         keys of keys/, gone/ and links longer than 1 KiB are hashed as above,
//	         and the copies that carry them take the new item key.
//	2 -> 3   every time index entry is given when each outlet joined its story (a
//	         copy stored before version 3 joined, as far as the store knows, when
//	         the story was first seen), and trends/ is counted from the indexes.
//
// # Queries
//
// A query walks the index buckets of its tags, sources and language; NoTags
// is looked up in the tags' buckets, so no story is decoded to be left out.
// One query examines at most MaxExamined (10,000) index entries beyond the
// stories it returns, so that one matching nothing never reads every story.
//
// Each fetched feed is written in one transaction, never item by item.
// Feeds that finish at the same moment share a commit, so that one fsync
// serves several of them: the first to find no commit running writes
// every feed waiting (at most 1,000) in one transaction, in its own
// goroutine, while those that arrive meanwhile wait for the next. If a
// shared commit fails, or one feed's writes fail in it, each feed (or the
// one) is written again alone, so one bad feed never takes others with
// it. (bbolt's Batch would commit in a goroutine of its own, where damage
// found as it commits would end the process.)
//
// # Retention
//
// Prune deletes, oldest first and in transactions of a bounded number of
// stories so that ingest and readers go on between them, every story
// published before now minus Retention.MaxAge; then, for each source with a
// Retention.MaxItems limit N, its stories beyond its newest N lose its copy.
// A story left without copies is deleted. A story that keeps other copies
// keeps its id, first-seen time, title and link, even when the copy that
// gave them goes; its tags become the union of the remaining copies' tags,
// and its tag and source index entries and counts move with them.
//
// Deleting a story removes its stories and summaries entries, every index
// entry, its links entries, and its share of the counts, which stay exact.
// Ids are never given out again. Each item key of a deleted story's copies
// (and the key of a removed copy) stays in keys/<name> and is marked in
// gone/<name>, so that while the source's feed still lists the item, Ingest
// leaves it out (Result.Pruned) instead of storing it as a new story or copy.
// An Ingest of the source's feed that lists something, but not the item any
// more, deletes the tombstone and the key: the tombstones never outgrow what
// the source lists, and should the item appear again it is a new story, under
// a new id (or, when another source still carries it, that story's copy again).
// A 304 (SetState) touches no tombstones.
//
// A Prune that changed stories moves Generation and Changed as Ingest does.
//
// Writes of source state that carry no stories (a 304, a failure) are held in
// memory and written with the next Ingest or Flush, so that a cycle in which
// every source answers 304 costs one commit, not one per source.
package store
