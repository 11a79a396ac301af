# SPDX-License-Identifier: GPL-2.0
# Manifest of the built module folder (out/KernelTalk/), copied there by
# Publish-Module.ps1, which stamps ModuleVersion with the assembly version
# (<Version> in KernelTalk.PowerShell.csproj, the one place it is set).
# `Import-Module ./out/KernelTalk` loads this.  The
# repository root's KernelTalk.psd1 wraps it (NestedModules), so that help,
# about_KernelTalk and the format file resolve against this folder.
@{
    RootModule           = 'KernelTalk.PowerShell.dll'
    ModuleVersion        = '0.0.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '6f0d3b52-8c1e-4f7a-9b2d-3e5a7c9d1f42'
    Author               = 'KernelTalk contributors'
    CompanyName          = 'KernelTalk'
    Copyright            = '(c) KernelTalk contributors. GPL-2.0.'
    Description          = 'Cmdlets for KernelTalk, a chat device in the Linux kernel (/dev/kerneltalk): send and receive messages between processes and rooms, list rooms, and build and load the kernel module.'
    PowerShellVersion    = '7.2'
    FormatsToProcess     = @('KernelTalk.Format.ps1xml')
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
