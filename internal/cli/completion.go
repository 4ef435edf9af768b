package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
)

// completeCommand is the hidden command the completion scripts call with the words typed so
// far; it prints one candidate a line.
const completeCommand = "__complete"

// completion prints the completion script for a shell.
func completion(program string, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintf(stderr, "usage: %s completion bash|zsh|fish\n", program)
		return 2
	}
	switch args[0] {
	case "bash":
		fmt.Fprintf(stdout, bashScript, program, completeCommand)
	case "zsh":
		fmt.Fprintf(stdout, "autoload -U +X bashcompinit && bashcompinit\n"+bashScript, program, completeCommand)
	case "fish":
		fmt.Fprintf(stdout, fishScript, program, completeCommand)
	default:
		fmt.Fprintf(stderr, "%s completion: unknown shell %q (bash, zsh or fish)\n", program, args[0])
		return 2
	}
	return 0
}

// The scripts ask the binary for commands and flags, and fall back to file names.
const bashScript = `# eval "$(%[1]s completion bash)"
_%[1]s() {
	local IFS=$'\n'
	COMPREPLY=($(%[1]s %[2]s "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _%[1]s %[1]s
`

const fishScript = `# %[1]s completion fish | source
complete -c %[1]s -a '(%[1]s %[2]s (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
`

// complete prints the candidates for the last of words: a command name first, then a flag
// of that command (read from its -h), else nothing, so the shell offers file names.
func complete(ctx context.Context, cmds map[string]Command, words []string, stdout io.Writer) {
	if len(words) == 0 {
		words = []string{""}
	}
	cur := words[len(words)-1]
	if len(words) == 1 {
		for _, n := range append(commandNames(cmds), "help", "completion") {
			if strings.HasPrefix(n, cur) {
				fmt.Fprintln(stdout, n)
			}
		}
		return
	}
	if words[0] == "help" && len(words) == 2 {
		complete(ctx, cmds, words[1:], stdout)
		return
	}
	c, ok := cmds[words[0]]
	if !ok || !strings.HasPrefix(cur, "-") {
		return
	}
	for _, f := range commandFlags(ctx, c) {
		if strings.HasPrefix("--"+f, cur) {
			fmt.Fprintln(stdout, "--"+f)
		}
	}
}

// commandFlags runs c with -h and reads its flag names from the usage it prints.
func commandFlags(ctx context.Context, c Command) []string {
	var buf bytes.Buffer
	_ = c.Run(ctx, []string{"-h"}, io.Discard, &buf)
	var names []string
	for l := range strings.Lines(buf.String()) {
		rest, ok := strings.CutPrefix(l, "  -")
		if !ok {
			continue
		}
		if name, _, _ := strings.Cut(strings.TrimSpace(rest), " "); name != "" {
			names = append(names, name)
		}
	}
	return names
}
