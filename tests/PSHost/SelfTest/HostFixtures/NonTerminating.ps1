# kt-pwsh self-test: a non-terminating error is shown and the script goes on
# (exit 0, like pwsh -File).
$zero = 0
$null = 1 / $zero
'still running'
