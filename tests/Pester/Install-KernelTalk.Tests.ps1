# SPDX-License-Identifier: GPL-2.0
# Install-KernelTalk and Uninstall-KernelTalk inside the VM.  The guest's
# root is the host's, read-only, so the specs use a prebuilt module
# (-ModulePath $env:KT_MODULE, loaded by kt-vm) and -NoUdevRule; they put
# the module back as kt-vm loaded it when done.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $InstallId = 'KernelTalk.Commands.InstallKernelTalkCommand'
    $UninstallId = 'KernelTalk.Commands.UninstallKernelTalkCommand'
    $Ko = $env:KT_MODULE
    $Loaded = { Test-Path /sys/module/kerneltalk }
    # Specs that unload and reload the module need the one kt-vm loaded.
    function Skip-WithoutModuleFile {
        if (-not $Ko) { Set-ItResult -Skipped -Because 'it reloads the module: needs the .ko kt-vm loaded ($env:KT_MODULE, set inside the VM)' }
    }
    # kt-vm's parameters, to restore them afterwards.
    $Restore = @{}
    foreach ($pair in "$env:KT_PARAMS" -split ' ' -ne '') {
        $k, $v = $pair.Split('=', 2)
        $name = @{ capacity = 'Capacity'; max_msg = 'MaxMessage'; max_rooms = 'MaxRooms'; policy = 'Policy' }[$k]
        if ($name) { $Restore[$name] = [uint32]$v }
    }
}

AfterAll {
    if ($Ko -and -not (& $Loaded)) {
        Install-KernelTalk -ModulePath $Ko -NoUdevRule @Restore -Confirm:$false
    }
}

Describe 'Install-KernelTalk' {
    BeforeAll {
        # Stands in for a module file where only its existence matters.
        $AnyKo = New-Item (Join-Path $TestDrive 'kerneltalk.ko') -Force
    }

    It 'Should change nothing under -WhatIf' {
        Skip-WithoutDevice
        $before = Get-ModuleParameter max_msg
        Install-KernelTalk -WhatIf -MaxMessage 100 -Force -NoUdevRule -ModulePath ($Ko ?? $AnyKo) -ErrorAction SilentlyContinue
        Get-ModuleParameter max_msg | Should -Be $before
    }

    It 'Should write KernelHeadersMissing for a -KernelDirectory that is no kernel build tree' {
        { Install-KernelTalk -KernelDirectory /nonexistent/build -WhatIf -ErrorAction Stop } |
            Should -Throw -ErrorId "KernelHeadersMissing,$InstallId"
        $record = $null
        try { Install-KernelTalk -KernelDirectory /nonexistent/build -WhatIf -ErrorAction Stop } catch { $record = $_ }
        $record.Exception.Message | Should -Match 'not a kernel build tree'
        $record.ErrorDetails.RecommendedAction | Should -Match '-KernelDirectory'
        $record.TargetObject | Should -Be '/nonexistent/build'
    }

    It 'Should write SourceNotFound for a folder without the module source' {
        $headers = "/lib/modules/$((Get-Content /proc/sys/kernel/osrelease).Trim())/build"
        if (-not (Test-Path (Join-Path $headers 'Makefile'))) {
            Set-ItResult -Skipped -Because "it needs the running kernel's headers ($headers)"
        }
        { Install-KernelTalk -SourcePath $TestDrive -KernelDirectory $headers -WhatIf -ErrorAction Stop } |
            Should -Throw -ErrorId "SourceNotFound,$InstallId"
    }

    It 'Should write GroupNotFound for a missing group' {
        { Install-KernelTalk -ModulePath $AnyKo -Group no-such-group-kt -WhatIf -ErrorAction Stop } |
            Should -Throw -ErrorId "GroupNotFound,$InstallId"
    }

    It 'Should reject a mode that is not octal' {
        { Install-KernelTalk -Mode 0999 -WhatIf } | Should -Throw -ErrorId "ParameterArgumentValidationError,$InstallId"
    }

    It 'Should reload the module with new parameters, group and mode' {
        Skip-WithoutModuleFile
        Uninstall-KernelTalk -Confirm:$false
        & $Loaded | Should -BeFalse
        '/dev/kerneltalk' | Should -Not -Exist
        { Connect-KernelTalk -ErrorAction Stop } | Should -Throw -ErrorId 'DeviceNotFound,KernelTalk.Commands.ConnectKernelTalkCommand'

        Install-KernelTalk -ModulePath $Ko -NoUdevRule -MaxMessage 256 -Capacity 8192 -Mode 0660 -Group root -Confirm:$false
        & $Loaded | Should -BeTrue
        Get-ModuleParameter 'max_msg' | Should -Be 256
        Get-ModuleParameter 'capacity' | Should -Be 8192
        (Get-Item /dev/kerneltalk).UnixMode | Should -BeExactly 'crw-rw----'

        { 'x' * 257 | Send-KernelTalkMessage -ErrorAction Stop } |
            Should -Throw -ErrorId 'MessageTooLong,KernelTalk.Commands.SendKernelTalkMessageCommand'
        'fits' | Send-KernelTalkMessage
        (Receive-KernelTalkMessage -NoWait).Text | Should -Be 'fits'
    }

    It 'Should build the module from source for the running kernel and load it' {
        Skip-WithoutModuleFile
        # The tree is read-only in the VM: build a copy, cleaned so that
        # make really compiles (the tree's own objects came along).
        $source = Join-Path $TestDrive 'lkm'
        Copy-Item -Recurse (Join-Path $PSScriptRoot '../../lkm') $source
        $release = (Get-Content /proc/sys/kernel/osrelease).Trim()
        & make -s -C $source clean "KDIR=/lib/modules/$release/build"
        $ko = Join-Path $source 'kerneltalk.ko'
        $ko | Should -Not -Exist

        Uninstall-KernelTalk -Confirm:$false
        Install-KernelTalk -SourcePath $source -NoUdevRule @Restore -Confirm:$false
        $ko | Should -Exist
        & $Loaded | Should -BeTrue
        $room = New-TestRoom
        'built here' | Send-KernelTalkMessage -Room $room
        (Receive-KernelTalkMessage -Room $room -NoWait).Text | Should -Be 'built here'
    }

    It 'Should write LoadFailed for parameters the module rejects' {
        Skip-WithoutModuleFile
        Uninstall-KernelTalk -Confirm:$false
        { Install-KernelTalk -ModulePath $Ko -NoUdevRule -MaxMessage 4096 -Capacity 1024 -Confirm:$false } |
            Should -Throw -ErrorId "LoadFailed,$InstallId"
        & $Loaded | Should -BeFalse
    }
}

Describe 'Uninstall-KernelTalk' {
    It 'Should refuse to unload while another file has the device open' {
        Skip-WithoutModuleFile
        if (-not (& $Loaded)) { Install-KernelTalk -ModulePath $Ko -NoUdevRule @Restore -Confirm:$false }
        $fs = [System.IO.File]::Open('/dev/kerneltalk', 'Open', 'Write')
        try {
            { Uninstall-KernelTalk -Confirm:$false } | Should -Throw -ErrorId "ModuleInUse,$UninstallId"
            & $Loaded | Should -BeTrue
        }
        finally { $fs.Dispose() }
    }

    It 'Should warn when the module is not loaded' {
        Skip-WithoutModuleFile
        Uninstall-KernelTalk -Confirm:$false
        $warn = $null
        Uninstall-KernelTalk -Confirm:$false -WarningVariable warn -WarningAction SilentlyContinue
        $warn | Should -HaveCount 1
    }
}
