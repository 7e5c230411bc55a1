package tag

import (
	"bytes"
	"unicode/utf8"
)

// Folded Arabic proclitics, as UTF-8.
var (
	waw  = []byte("و")
	faa  = []byte("ف")
	baa  = []byte("ب")
	lam  = []byte("ل")
	kaf  = []byte("ك")
	alef = []byte("ا")
	al   = []byte("ال")
)

// forms calls yield with a folded word and, for an Arabic word, with each
// form of it without proclitics: a conjunction و or ف, then a preposition
// ب ل or ك, then the article ال, each optional and in that order
// ("وبالمدينة", "فلطرابلس", "والجبل"), including ل + ال written لل
// ("للمدينة" is ل + المدينة). What is left must be at least two letters.
func forms(w []byte, yield func([]byte)) {
	yield(w)
	r, _ := utf8.DecodeRune(w)
	if !isArabicLetter(r) {
		return
	}
	var scratch [64]byte
	for _, conj := range [][]byte{nil, waw, faa} {
		if !bytes.HasPrefix(w, conj) {
			continue
		}
		w1 := w[len(conj):]
		for _, prep := range [][]byte{nil, baa, lam, kaf} {
			if !bytes.HasPrefix(w1, prep) {
				continue
			}
			w2 := w1[len(prep):]
			if len(conj)+len(prep) > 0 {
				emit(w, w2, yield)
			}
			if bytes.HasPrefix(w2, al) {
				emit(w, w2[len(al):], yield)
			}
			if bytes.Equal(prep, lam) && bytes.HasPrefix(w2, lam) {
				// لل: the article's alef dropped after the preposition ل.
				emit(w, w2[len(lam):], yield)
				if len(alef)+len(w2) <= len(scratch) {
					emit(w, append(append(scratch[:0], alef...), w2...), yield)
				}
			}
		}
	}
}

// emit yields rest when it differs from w and is at least two letters long.
func emit(w, rest []byte, yield func([]byte)) {
	if !bytes.Equal(rest, w) && utf8.RuneCount(rest) >= 2 {
		yield(rest)
	}
}
