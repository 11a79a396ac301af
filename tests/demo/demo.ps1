# SPDX-License-Identifier: GPL-2.0
# PowerShell half of the demo (tests/demo/demo.sh runs it inside the VM):
# the rooms of the C clients' conversation, through the cmdlets.
$ErrorActionPreference = 'Continue'
Import-Module (Join-Path $PSScriptRoot '../../KernelTalk.psd1')

$session = @(
    "'hello from PowerShell', 'two messages, one open file' | Send-KernelTalkMessage -Room lobby"
    'Receive-KernelTalkMessage -Room lobby -History -NoWait'
    'Receive-KernelTalkMessage -Room lobby -History -NoWait | Where-Object SenderName -eq root | ForEach-Object { "#$($_.Sequence) $($_.SenderName)($($_.Process):$($_.SenderPid)) $($_.Text)" }'
    '$dev = Connect-KernelTalk -Room dev'
    "'ping from a session' | Send-KernelTalkMessage -Session `$dev"
    'Receive-KernelTalkMessage -Room dev -History -NoWait -Raw'
    'Send-KernelTalkMessage -Room dev -Text ("x" * 5000)'
    'Get-KernelTalkRoom'
    'Disconnect-KernelTalk -Session $dev'
)
# Each line is echoed as at a prompt, then dot-sourced so that variables
# it sets ($dev) live on for the next lines.
foreach ($line in $session) {
    Write-Host "PS> $line"
    . ([scriptblock]::Create($line)) | Out-Default
    Write-Host
}
