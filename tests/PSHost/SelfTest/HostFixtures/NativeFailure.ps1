# kt-pwsh self-test: a failed native command ends the script with its code
# when native failures are made terminating.
$PSNativeCommandUseErrorActionPreference = $true
$ErrorActionPreference = 'Stop'
/bin/sh -c 'exit 3'
'not reached'
