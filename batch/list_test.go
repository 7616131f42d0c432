package batch

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func urls(l *List) []string {
	var out []string
	for _, s := range l.Sites {
		out = append(out, s.URL)
	}
	return out
}

func TestReadList(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  []string
		lines []int
		dups  int
	}{
		{"lines, comments, blanks, no scheme", "# communes\n\nhttps://a.fr/\n  b.fr  \n# end\nhttp://c.fr/x?y=1#frag\n",
			[]string{"https://a.fr/", "https://b.fr/", "http://c.fr/x?y=1"}, []int{3, 4, 6}, 0},
		{"duplicates after normalising", "https://A.fr\nhttps://a.fr/\na.fr\nhttps://a.fr/page\n",
			[]string{"https://a.fr/", "https://a.fr/page"}, []int{1, 4}, 2},
		{"CRLF and BOM", "\ufeffhttps://a.fr/\r\nhttps://b.fr/\r\n", []string{"https://a.fr/", "https://b.fr/"}, []int{1, 2}, 0},
		{"CSV, comma", "name,url,insee\nVille A,https://a.fr/,01001\nVille B,,01002\n\"Ville, C\",c.fr,01003\n",
			[]string{"https://a.fr/", "https://c.fr/"}, []int{2, 4}, 0},
		{"CSV, semicolon, URL header, comment", "# export\nCommune;URL\nA;https://a.fr/\nB;https://b.fr/;extra\nshort\n",
			[]string{"https://a.fr/", "https://b.fr/"}, []int{3, 4}, 0},
		{"CSV, tab, one column", "url\nhttps://a.fr/\n", []string{"https://a.fr/"}, []int{2}, 0},
		{"a URL with commas is not a header", "https://a.fr/?x=1,2\n", []string{"https://a.fr/?x=1,2"}, []int{1}, 0},
		{"empty", "", nil, nil, 0},
		{"comments only", "# nothing\n\n", nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ReadList(strings.NewReader(tt.in), "list.txt")
			if err != nil {
				t.Fatal(err)
			}
			if got := urls(l); !slices.Equal(got, tt.want) {
				t.Errorf("URLs %q, want %q", got, tt.want)
			}
			var lines []int
			for _, s := range l.Sites {
				lines = append(lines, s.Line)
			}
			if !slices.Equal(lines, tt.lines) {
				t.Errorf("lines %v, want %v", lines, tt.lines)
			}
			if l.Duplicates != tt.dups {
				t.Errorf("%d duplicates, want %d", l.Duplicates, tt.dups)
			}
		})
	}
}

func TestReadListErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"bad lines named", "https://a.fr/\nftp://b.fr/\nhttps://user:pw@c.fr/\n", []string{"list.txt:2:", "ftp", "list.txt:3:", "credentials"}},
		{"CSV bad cell", "url\nhttps://a.fr/\nmailto:x@y.fr\n", []string{"list.txt:3:"}},
		{"many bad lines", strings.Repeat("ftp://x/\n", 25), []string{"25 line(s)", "and 15 more"}},
		{"line too long", "https://a.fr/" + strings.Repeat("x", maxLineBytes+10) + "\n", []string{"longer than"}},
		{"CSV line too long", "url\nhttps://a.fr/" + strings.Repeat("x", maxLineBytes+10) + "\n", []string{"longer than"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadList(strings.NewReader(tt.in), "list.txt")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	var le *ListError
	if _, err := ReadList(strings.NewReader("nope://x\n"), "l"); !errors.As(err, &le) || len(le.Lines) != 1 {
		t.Errorf("not a *ListError: %v", err)
	}
}

func FuzzReadList(f *testing.F) {
	f.Add("https://a.fr/\n# c\nb.fr\n")
	f.Add("name;url\nx;https://a.fr/\n")
	f.Add("url\n\"unterminated\n")
	f.Fuzz(func(t *testing.T, in string) {
		l, err := ReadList(strings.NewReader(in), "fuzz")
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, s := range l.Sites {
			if s.URL == "" || s.Host == "" || s.Domain == "" || seen[s.URL] {
				t.Fatalf("bad site %+v", s)
			}
			seen[s.URL] = true
		}
	})
}

func TestShard(t *testing.T) {
	var sites []Site
	for i := range 500 {
		sites = append(sites, Site{URL: fmt.Sprintf("https://www.commune-%03d.fr/", i)})
	}
	for _, n := range []int{1, 2, 3, 7} {
		count := map[string]int{}
		sizes := []int{}
		for i := 1; i <= n; i++ {
			sh, err := ParseShard(fmt.Sprintf("%d/%d", i, n))
			if err != nil {
				t.Fatal(err)
			}
			part := sh.Of(sites)
			sizes = append(sizes, len(part))
			for _, s := range part {
				count[s.URL]++
			}
			// Stable: the part does not depend on the list's order.
			rev := slices.Clone(sites)
			slices.Reverse(rev)
			if got := sh.Of(rev); len(got) != len(part) {
				t.Errorf("%d/%d: %d sites reversed, %d in order", i, n, len(got), len(part))
			}
		}
		for _, s := range sites {
			if count[s.URL] != 1 {
				t.Errorf("n=%d: %s in %d shards", n, s.URL, count[s.URL])
			}
		}
		for _, size := range sizes {
			if size < len(sites)/n/2 {
				t.Errorf("n=%d: unbalanced shards %v", n, sizes)
			}
		}
	}
	for _, bad := range []string{"0/3", "4/3", "1/0", "x", "1/", "/3", "-1/3", "1/1000001"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q): no error", bad)
		}
	}
	if s, err := ParseShard(""); err != nil || !s.Has("anything") {
		t.Errorf("empty shard: %v", err)
	}
}

func TestAssignDirs(t *testing.T) {
	sites := []Site{
		{URL: "https://a.fr/", Host: "a.fr"},
		{URL: "https://a.fr/x", Host: "a.fr"},
		{URL: "https://a.fr-2/", Host: "a.fr-2"},
		{URL: "https://a.fr/y", Host: "a.fr"},
		{URL: "https://[2001:db8::1]/", Host: "2001:db8::1"},
		{URL: "https://summary.html/", Host: "summary.html"},
	}
	AssignDirs(sites, nil)
	want := []string{"a.fr", "a.fr-2", "a.fr-2-2", "a.fr-3", "2001_db8__1", "summary.html-2"}
	for i, s := range sites {
		if s.Dir != want[i] {
			t.Errorf("%s: %q, want %q", s.URL, s.Dir, want[i])
		}
	}
	// An earlier run's folders are kept, and taken by no other site.
	AssignDirs(sites, map[string]string{"https://a.fr/x": "a.fr", "https://gone.fr/": "a.fr-2"})
	want = []string{"a.fr-3", "a.fr", "a.fr-2-2", "a.fr-4", "2001_db8__1", "summary.html-2"}
	for i, s := range sites {
		if s.Dir != want[i] {
			t.Errorf("resumed %s: %q, want %q", s.URL, s.Dir, want[i])
		}
	}
}
