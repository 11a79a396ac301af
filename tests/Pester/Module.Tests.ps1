# SPDX-License-Identifier: GPL-2.0
# The module as a whole: manifest, exports, help.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $Cmdlets = @('Connect-KernelTalk', 'Disconnect-KernelTalk', 'Enter-KernelTalkChat', 'Get-KernelTalkMember', 'Get-KernelTalkRoom',
        'Install-KernelTalk', 'New-KernelTalkRoom', 'Receive-KernelTalkMessage', 'Send-KernelTalkMessage', 'Set-KernelTalkRoom',
        'Start-KernelTalkBridge', 'Uninstall-KernelTalk')
}

Describe 'KernelTalk module' {
    It 'Should have a valid manifest in the built folder' {
        $m = Test-ModuleManifest $ModuleManifest
        $m.Name | Should -Be 'KernelTalk'
        $m.PowerShellVersion | Should -Be ([version]'7.2')
        @($m.ExportedCmdlets.Keys) | Should -HaveCount $Cmdlets.Count
    }

    It 'Should have a valid manifest at the repository root' {
        $m = Test-ModuleManifest $RootManifest
        @($m.ExportedCmdlets.Keys) | Should -HaveCount $Cmdlets.Count
    }

    It 'Should export exactly the cmdlets' {
        (Get-Command -Module KernelTalk | Sort-Object Name).Name -join ',' | Should -Be ($Cmdlets -join ',')
    }

    It 'Should have help with synopsis, description, parameters and examples for <_>' -ForEach @(
        'Connect-KernelTalk', 'Disconnect-KernelTalk', 'Enter-KernelTalkChat', 'Get-KernelTalkMember', 'Get-KernelTalkRoom',
        'Install-KernelTalk', 'New-KernelTalkRoom', 'Receive-KernelTalkMessage', 'Send-KernelTalkMessage', 'Set-KernelTalkRoom',
        'Start-KernelTalkBridge', 'Uninstall-KernelTalk') {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match '^\s*\S+-\S+ \['   # not the auto-generated syntax line
        $help.description | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterThan 0
        foreach ($p in (Get-Command $_).Parameters.Keys) {
            if ([System.Management.Automation.PSCmdlet]::CommonParameters.Contains($p)) { continue }
            if ([System.Management.Automation.PSCmdlet]::OptionalCommonParameters.Contains($p)) { continue }
            @($help.parameters.parameter | Where-Object name -eq $p).Count | Should -Be 1 -Because "parameter $p of $_ must be documented"
        }
    }

    It 'Should have the about_KernelTalk topic' {
        Get-Help about_KernelTalk | Out-String | Should -Match 'about_KernelTalk'
    }

    It 'Should send and receive between two sessions' {
        Skip-WithoutDevice
        $room = New-TestRoom
        $alice = Connect-KernelTalk -Room $room
        $bob = Connect-KernelTalk -Room $room -NoEcho
        try {
            'hi bob' | Send-KernelTalkMessage -Session $alice
            'hi alice' | Send-KernelTalkMessage -Session $bob
            (Receive-KernelTalkMessage -Session $bob -NoWait | ForEach-Object Text) -join ',' | Should -Be 'hi bob'
            (Receive-KernelTalkMessage -Session $alice -NoWait | ForEach-Object Text) -join ',' | Should -Be 'hi bob,hi alice'
        }
        finally { $alice, $bob | Disconnect-KernelTalk }
    }

    It 'Should install by name from its package' {
        # ./build.sh Package (which Test runs first) writes the package.
        $packages = Join-Path $PSScriptRoot '../../out/packages'
        if (-not (Test-Path (Join-Path $packages 'KernelTalk.*.nupkg'))) {
            Set-ItResult -Skipped -Because 'there is no out/packages/KernelTalk.*.nupkg (./build.sh Package makes it)'
        }
        $repository = 'KernelTalkSpec' + (New-Guid).ToString('N').Substring(0, 8)
        Register-PSResourceRepository -Name $repository -Uri (Resolve-Path $packages).Path -Trusted
        try {
            Save-PSResource -Name KernelTalk -Repository $repository -Path $TestDrive -TrustRepository -Quiet
        }
        finally { Unregister-PSResourceRepository -Name $repository }
        # A fresh pwsh that finds the module by name on PSModulePath only.
        $script = "`$env:PSModulePath = '$TestDrive'; Import-Module KernelTalk; (Get-Module KernelTalk).Version.ToString(); @(Get-Command -Module KernelTalk).Count; (Get-Help Send-KernelTalkMessage).Synopsis"
        $out = & (Get-PwshPath) -NoProfile -NonInteractive -Command $script
        $out[0] | Should -Be (Import-PowerShellDataFile $ModuleManifest).ModuleVersion
        $out[1] | Should -Be $Cmdlets.Count
        $out[2] | Should -Be 'Posts messages to a KernelTalk room.'
    }
}
