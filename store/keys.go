package store

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// maxKeyText is the longest text from a feed (a GUID, a canonical link)
// that a bucket key holds as it is; a longer one is keyed by its SHA-256,
// so that no item can make a key bbolt refuses (bolt.MaxKeySize, 32 KiB)
// and so fail its whole feed's transaction. Real GUIDs and links are far
// shorter.
const maxKeyText = 1024

// MaxTagLen is the longest tag slug a story carries: a copy's longer tags
// (slugs of categories no rule names, say) are dropped, since each tag is
// the name of an index bucket and a key in counts.
const MaxTagLen = 256

// keyText returns prefix+text, or, for a text longer than maxKeyText,
// prefix+"#"+its SHA-256 in hex.
func keyText(prefix, text string) string {
	if len(text) <= maxKeyText {
		return prefix + text
	}
	h := sha256.Sum256([]byte(text))
	return prefix + "#" + hex.EncodeToString(h[:])
}

// linkKey returns the key of a link in the links bucket: its canonical
// form (see CanonicalLink), hashed when long; "" for a link that has none.
func linkKey(link string) string {
	return keyText("", CanonicalLink(link))
}

// copyTags returns the tags a copy keeps of those given: sorted, without
// duplicates, empty tags or tags longer than MaxTagLen.
func copyTags(tags []string) []string {
	kept := tags[:0:0]
	for _, t := range tags {
		if len(t) <= MaxTagLen {
			kept = append(kept, t)
		}
	}
	return normTags(kept)
}

// maxLangLen is the longest language tag the langs index holds; the tags
// feeds use are far shorter.
const maxLangLen = 35

// langKey returns the name of a language's bucket in the langs index: the
// tag lower-cased, or "" for none, or for what is no language tag (longer
// than maxLangLen, or of other than letters, digits, '-' and '_').
func langKey(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if len(lang) > maxLangLen {
		return ""
	}
	for i := 0; i < len(lang); i++ {
		if c := lang[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return ""
		}
	}
	return lang
}

// langKeys returns a story's langs index entries: its langKey, if any.
func langKeys(lang string) []string {
	if k := langKey(lang); k != "" {
		return []string{k}
	}
	return nil
}

// itemKey names an item within its source: its GUID, else its link's key
// (linkKey), else a hash of its title and date (and, for an item without a
// title, of its text). A GUID longer than maxKeyText is hashed.
func itemKey(in *Item, link string) string {
	switch {
	case in.GUID != "":
		return keyText("g:", in.GUID)
	case link != "":
		return "l:" + link
	}
	text := in.Title + "\n" + in.Published.UTC().Format(time.RFC3339)
	if in.Title == "" {
		text += "\n" + in.Summary + "\n" + in.Content
	}
	h := sha256.Sum256([]byte(text))
	return "h:" + hex.EncodeToString(h[:16])
}
