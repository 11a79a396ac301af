# SPDX-License-Identifier: GPL-2.0
# Sourced by the tiers that drive programs in tmux (tests/chat/run.sh,
# tests/hosts/run.sh), after tests/lib/tier.sh: one tmux server on the
# socket $work/tmux.sock, session "chat", a window per program; its panes
# are read with capture-pane.  start_pwsh and enter_chat use $pwsh (the pwsh
# to run) and $module (the KernelTalk manifest); WINDOW.pid in $work gets
# the pid of the window's program.

# One tmux server for the tier, on a private socket; -u: UTF-8 panes.
tmx() {
	tmux -u -S "$work/tmux.sock" "$@"
}

pane() {	# WINDOW: the screen as text, wrapped lines joined
	tmx capture-pane -p -J -t "chat:$1"
}

pane_has() {	# WINDOW TEXT
	pane "$1" | grep -qF -- "$2"
}

pane_lacks() {	# WINDOW TEXT
	! pane_has "$@"
}

# How many lines of the pane contain TEXT.
pane_count() {	# WINDOW TEXT
	pane "$1" | grep -cF -- "$2"
}

# The pane's last non-empty line, trailing blanks cut.
last_line() {	# WINDOW
	pane "$1" | sed 's/ *$//' | awk 'NF { l = $0 } END { print l }'
}

pane_var() {	# WINDOW FORMAT-VARIABLE
	tmx display-message -p -t "chat:$1" "#{$2}"
}

# Type TEXT literally, then the named keys (Enter, C-c, ...).
type_in() {	# WINDOW TEXT [KEY...]
	local w=$1 text=$2
	shift 2
	[[ -z $text ]] || tmx send-keys -t "chat:$w" -l -- "$text"
	(($# == 0)) || tmx send-keys -t "chat:$w" "$@"
}

# For wait_until (a "$(...)" among its arguments is read once).
last_line_is() {	# WINDOW TEXT
	[[ $(last_line "$1") == "$2" ]]
}

# A pwsh at its prompt with the module imported (30-90 s under TCG: start
# both before waiting for either), then the chat in it.
start_pwsh() {	# WINDOW [ENV...]
	local w=$1
	shift
	tmx new-window -d -t chat -n "$w" -- env "$@" "$pwsh" -NoLogo -NoProfile -NoExit \
		-Command "Import-Module '$module'; 'module-ready'" || fail "tmux new-window $w"
	pane_var "$w" pane_pid >"$work/$w.pid"
}

enter_chat() {	# WINDOW ROOM
	local w=$1 r=$2
	wait_until 480 "pwsh in window $w did not import the module: $(pane "$w")" pane_has "$w" module-ready
	type_in "$w" "Enter-KernelTalkChat -Room $r" Enter
	wait_until 120 "the chat in window $w did not start: $(pane "$w")" pane_has "$w" "Chatting in room '$r'"
}
