# SPDX-License-Identifier: GPL-2.0
# The module manifest: `Import-Module ./KernelTalk.psd1` after `./build.sh Build`.
# The module itself is the built folder out/KernelTalk/ with its own manifest
# (src/KernelTalk.PowerShell/KernelTalk.psd1, copied by Publish-Module.ps1).
# It is nested here rather than named as RootModule because PowerShell looks
# for cmdlet help, about_ topics and formats relative to the base of the
# module that loaded the dll: nested, that base is out/KernelTalk/, so
# `Get-Help Send-KernelTalkMessage -Full` works from the root too.  (A .psd1
# as RootModule imports but fails Test-ModuleManifest; the dll as RootModule
# loads the cmdlets but not their help.)  Keep GUID and
# CmdletsToExport equal to the folder's manifest; tests/Unit checks that.
@{
    NestedModules        = @('out/KernelTalk/KernelTalk.psd1')
    # Equal to <Version> in src/KernelTalk.PowerShell/KernelTalk.PowerShell.csproj (tests/Unit checks it).
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '6f0d3b52-8c1e-4f7a-9b2d-3e5a7c9d1f42'
    Author               = 'KernelTalk contributors'
    CompanyName          = 'KernelTalk'
    Copyright            = '(c) KernelTalk contributors. GPL-2.0.'
    Description          = 'Cmdlets for KernelTalk, a chat device in the Linux kernel (/dev/kerneltalk): send and receive messages between processes and rooms, list rooms, and build and load the kernel module.'
    PowerShellVersion    = '7.2'
    # The nested folder manifest loads KernelTalk.Format.ps1xml.
    FormatsToProcess     = @()
    FunctionsToExport    = @()
    CmdletsToExport      = @(
        'Get-KernelTalkRoom'
        'Connect-KernelTalk'
        'Disconnect-KernelTalk'
        'Send-KernelTalkMessage'
        'Receive-KernelTalkMessage'
        'Enter-KernelTalkChat'
        'Install-KernelTalk'
        'Uninstall-KernelTalk'
        'New-KernelTalkRoom'
        'Get-KernelTalkMember'
        'Set-KernelTalkRoom'
        'Start-KernelTalkBridge'
    )
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Linux', 'Kernel', 'Chat', 'IPC', 'Device', 'PSEdition_Core')
            LicenseUri   = 'https://www.gnu.org/licenses/old-licenses/gpl-2.0.html'
            ReleaseNotes = 'First release: Send/Receive/Connect/Disconnect/Get-KernelTalkRoom and Install/Uninstall-KernelTalk.'
        }
    }
}
