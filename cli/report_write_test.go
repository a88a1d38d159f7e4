package cli

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// `report -o` followed symbolic links and truncated in place: a link to
// another file was overwritten through, and a failed write destroyed the
// previous report. It writes like the store now.
func TestReportFileIsWrittenAtomically(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim.txt")
	if err := os.WriteFile(victim, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "report.json")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	rep := &supportReport{Schema: 1, CreatedAt: time.Now()}
	if err := writeReportFile(link, rep); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Errorf("the link's target was written through: %q", b)
	}
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&os.ModeSymlink != 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("report is %v (%v), want a regular 0600 file", fi.Mode(), err)
	}
	// A write that cannot finish (here: the folder is gone) leaves no
	// half-written file and no temporary file behind.
	gone := filepath.Join(dir, "gone")
	if err := writeReportFile(filepath.Join(gone, "r.json"), rep); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
