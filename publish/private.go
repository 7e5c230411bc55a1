package publish

import "github.com/libyawire/libyawire/internal/netaddr"

// The state of a source on this machine's network (a feed at 10.0.0.5, at
// http://intranet/ or on localhost) tells about that network: an error
// names its addresses and ports, a redirect its other hosts. Such a
// source's details are for the operator, on this machine; everyone else
// sees only whether its last fetch failed (see redactInternal).

// internalDetails is what a source's error says to a client not on this
// machine, when the source is on a private address.
const internalDetails = "the last fetch failed; the details are shown only on the server itself (libyawire sources)"

// redactInternal blanks, in list, what the fetches of the sources on
// private addresses said: their errors (but that there was one), HTTP
// statuses, redirect targets and reasons to wait.
func redactInternal(list []sourceStatus, private map[string]bool) {
	for i := range list {
		st := &list[i]
		if !private[st.Name] {
			continue
		}
		if st.Error != "" {
			st.Error = internalDetails
		}
		st.Status, st.MovedTo, st.Waiting = 0, "", ""
	}
}

// privateSources returns the names of the sources on private addresses,
// or nil when there are none.
func privateSources(sources []Source) map[string]bool {
	var m map[string]bool
	for _, src := range sources {
		if netaddr.LocalURL(src.URL) {
			if m == nil {
				m = make(map[string]bool)
			}
			m[src.Name] = true
		}
	}
	return m
}
