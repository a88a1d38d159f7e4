package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Editing a saved connector's secret: its secret has been rotated out (the
// saved one no longer works), the admin types a new one that is wrong too,
// the test fails, the fix takes the right one, the test passes and the save
// updates the connector in place: the same name, one connector, the new
// secret in the file store, the mapping untouched.

const (
	editName      = "Contoso MDE"
	oldSecret     = "old-secret-rotated-out"
	wrongRotation = "still-not-the-secret"
)

// savedConnector saves editName (One to One, the sandbox's healthy tenant,
// oldSecret) in config with `mdeconnect add --skip-test`: a tenant ID needs
// no lookup, so nothing is reached.
func savedConnector(t *testing.T, config string) {
	t.Helper()
	cmd := exec.Command(binary(t), "add", "--skip-test", "--name", editName, "--tenant", healthyTenant+"=Contoso",
		"--mode", "one-to-one", "--client-secret-stdin")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "MDECONNECT_CONFIG_DIR=" + config, envSecretStore + "=file"}
	cmd.Stdin = strings.NewReader(oldSecret)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
}

// checkEdited checks the store after the edit was saved.
func checkEdited(t *testing.T, config string) {
	t.Helper()
	st := fileStore(t, config)
	list, err := st.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Name != editName {
		t.Fatalf("connectors after the edit: %+v", list)
	}
	c := list[0]
	if len(c.Mappings) != 1 || c.Mappings[0].TenantID != healthyTenant || c.Mappings[0].CustomerName != "Contoso" {
		t.Errorf("mappings after the edit: %+v", c.Mappings)
	}
	if c.LastValidation == nil || !c.LastValidation.OK {
		t.Errorf("the passed test was not recorded: %+v", c.LastValidation)
	}
	secret, err := st.Secret(editName)
	if err != nil {
		t.Fatal(err)
	}
	if secret != sandboxSecret(t) {
		t.Errorf("the store holds a secret of %d characters, not the new one", len(secret))
	}
	raw := connectorsFile(t, config)
	for _, s := range []string{oldSecret, wrongRotation, sandboxSecret(t)} {
		if strings.Contains(raw, s) {
			t.Errorf("connectors.json holds a secret")
		}
	}
}

// TestWizardLoopEditSecret opens the saved connector in the full-screen
// wizard, from the connectors list (--sandbox, whose store is the config
// folder) and as `mdeconnect edit NAME` with no flags (against the sandbox
// as a process).
func TestWizardLoopEditSecret(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		open func(t *testing.T, config string) *fixTerm
	}{
		{"enter on the listed connector", func(t *testing.T, config string) *fixTerm {
			tm := startFixTerm(t, config, t.TempDir(), "--sandbox", "--scenario", "healthy", "--latency", "0")
			tm.see(editName)
			tm.send("\x1b[B", keyEnter)
			return tm
		}},
		{"edit NAME", func(t *testing.T, config string) *fixTerm {
			cloud := startCloudProcess(t)
			env := append(fixEnv(config, t.TempDir()), cloud.env...)
			return &fixTerm{ptyTerm: startTerm(t, binary(t), env, "edit", editName), config: config}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			config := t.TempDir()
			savedConnector(t, config)
			tm := tc.open(t, config)
			tm.see("Edit connector " + editName)
			tm.see("Enter the details")
			tm.send(keyTab, keyTab, keyCtrlU) // the secret
			tm.typeText(wrongRotation)
			tm.send(keyCtrlT)
			tm.see("1 re-enter the client secret")
			if !strings.Contains(tm.screen(), "AADSTS7000215") {
				t.Fatalf("the failure is not the secret's:\n%s", tm.screen())
			}
			tm.fixSecretToReview(sandboxSecret(t))
			if s := flat(tm.screen()); !strings.Contains(s, "new client secret") {
				t.Errorf("the review does not say the secret is rotated:\n%s", tm.screen())
			}
			tm.send(keyEnter)
			tm.see("✓ Updated connector " + editName)
			tm.send(keyEnter)
			if code := tm.exitCode(); code != 0 {
				t.Fatalf("exit %d:\n%s", code, tm.screen())
			}
			tm.see(`Updated connector "` + editName + `".`) // left in the terminal's history
			checkEdited(t, config)
			if raw := tm.raw.String(); strings.Contains(raw, sandboxSecret(t)) || strings.Contains(raw, wrongRotation) {
				t.Error("a typed secret was shown")
			}
		})
	}
}

// TestWizardAccessibleLoopEditSecret is `mdeconnect edit NAME` with no
// flags in the plain prompts (ACCESSIBLE=1), against the sandbox as a
// process.
func TestWizardAccessibleLoopEditSecret(t *testing.T) {
	t.Parallel()
	cloud := startCloudProcess(t)
	config, cache := t.TempDir(), t.TempDir()
	savedConnector(t, config)
	env := append(append(fixEnv(config, cache), cloud.env...), "ACCESSIBLE=1")
	tm := &accTerm{fixTerm: &fixTerm{ptyTerm: startTerm(t, binary(t), env, "edit", editName), config: config, cache: cache}}
	tm.expect("Editing connector " + editName + ": enter keeps each value.")
	tm.answer("Name (enter keeps "+editName+")", "")
	tm.answer("Client ID (enter keeps", "")
	tm.answer("Rotate the client secret", "y")
	tm.answer("Client secret (hidden): ", wrongRotation)
	tm.expect("Tenant " + healthyTenant + " maps to customer Contoso.")
	tm.answer("Enter the mappings again?", "n")
	tm.expect("Invalid client secret")
	tm.expect("1. re-enter the client secret, then test again")
	tm.answer("Enter a number between 1 and", "1")
	tm.answer("Client secret (hidden): ", sandboxSecret(t))
	tm.expect("Every check passed")
	tm.answer("Finish and save the connector?", "y")
	tm.expect(`Updated connector "` + editName + `"`)
	if code := tm.exitCode(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, tm.text())
	}
	checkEdited(t, tm.config)
	if txt := tm.text(); strings.Contains(txt, sandboxSecret(t)) || strings.Contains(txt, wrongRotation) {
		t.Error("a typed secret was echoed")
	}
}
