# SPDX-License-Identifier: GPL-2.0
# Install-KernelTalk and Uninstall-KernelTalk inside the VM.  The guest's
# root is the host's, read-only, so the specs use a prebuilt module
# (-ModulePath $env:KT_MODULE, loaded by kt-vm) and -NoUdevRule; they put
# the module back as kt-vm loaded it when done.

BeforeAll {
    . ([System.IO.Path]::Combine($PSScriptRoot, 'TestHelpers.ps1'))
    $InstallId = 'KernelTalk.Commands.InstallKernelTalkCommand'
    $UninstallId = 'KernelTalk.Commands.UninstallKernelTalkCommand'
    $Ko = $env:KT_MODULE
    $Loaded = { [System.IO.Directory]::Exists('/sys/module/kerneltalk') }
    # kt-vm's parameters, to restore them afterwards.
    $Restore = @{}
    foreach ($pair in "$env:KT_PARAMS".Split(' ', [System.StringSplitOptions]::RemoveEmptyEntries)) {
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
    It 'Should change nothing under -WhatIf' {
        $before = [System.IO.File]::ReadAllText('/sys/module/kerneltalk/parameters/max_msg')
        Install-KernelTalk -WhatIf -MaxMessage 100 -Force -NoUdevRule -ModulePath ($Ko ?? '/nonexistent.ko') -ErrorAction SilentlyContinue
        [System.IO.File]::ReadAllText('/sys/module/kerneltalk/parameters/max_msg') | Should -Be $before
    }

    It 'Should throw KernelHeadersMissing with the apt-get line' {
        { Install-KernelTalk -KernelDirectory /nonexistent/build -WhatIf } |
            Should -Throw -ErrorId "KernelHeadersMissing,$InstallId"
        $record = $null
        try { Install-KernelTalk -KernelDirectory /nonexistent/build -WhatIf } catch { $record = $_ }
        $record.ErrorDetails.RecommendedAction | Should -Match '^Install them with: apt-get install linux-headers-'
        $record.TargetObject | Should -Be '/nonexistent/build'
    }

    It 'Should write SourceNotFound for a folder without the module source' {
        { Install-KernelTalk -SourcePath /tmp -KernelDirectory "/lib/modules/$([System.IO.File]::ReadAllText('/proc/sys/kernel/osrelease').Trim())/build" -WhatIf -ErrorAction Stop } |
            Should -Throw -ErrorId 'SourceNotFound,'
    }

    It 'Should write GroupNotFound for a missing group' {
        { Install-KernelTalk -ModulePath ($Ko ?? '/nonexistent.ko') -Group no-such-group-kt -WhatIf -ErrorAction Stop } |
            Should -Throw -ErrorId "GroupNotFound,$InstallId"
    }

    It 'Should reject a mode that is not octal' {
        { Install-KernelTalk -Mode 0999 -WhatIf } | Should -Throw -ErrorId "ParameterArgumentValidationError,$InstallId"
    }

    It 'Should reload the module with new parameters, group and mode' -Skip:(-not $env:KT_MODULE) {
        Uninstall-KernelTalk -Confirm:$false
        & $Loaded | Should -BeFalse
        [System.IO.File]::Exists('/dev/kerneltalk') | Should -BeFalse
        { Connect-KernelTalk } | Should -Throw -ErrorId 'DeviceNotFound,KernelTalk.Commands.ConnectKernelTalkCommand'

        Install-KernelTalk -ModulePath $Ko -NoUdevRule -MaxMessage 256 -Capacity 8192 -Mode 0660 -Group root -Confirm:$false
        & $Loaded | Should -BeTrue
        Get-ModuleParameter 'max_msg' | Should -Be 256
        Get-ModuleParameter 'capacity' | Should -Be 8192
        $mode = [System.IO.File]::GetUnixFileMode('/dev/kerneltalk')
        [int]$mode | Should -Be ([Convert]::ToInt32('660', 8))

        { 'x' * 257 | Send-KernelTalkMessage -ErrorAction Stop } | Should -Throw -ErrorId 'MessageTooLong,'
        'fits' | Send-KernelTalkMessage
        (Receive-KernelTalkMessage -NoWait).Text | Should -Be 'fits'
    }

    It 'Should build the module from source for the running kernel and load it' -Skip:(-not $env:KT_MODULE) {
        # The tree is read-only in the VM: build a copy, cleaned so that
        # make really compiles (the tree's own objects came along).
        $source = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'kt-src-' + [guid]::NewGuid().ToString('N'))
        & cp -r ([System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'lkm')) $source
        $release = [System.IO.File]::ReadAllText('/proc/sys/kernel/osrelease').Trim()
        & make -s -C $source clean "KDIR=/lib/modules/$release/build"
        $ko = [System.IO.Path]::Combine($source, 'kerneltalk.ko')
        [System.IO.File]::Exists($ko) | Should -BeFalse

        Uninstall-KernelTalk -Confirm:$false
        Install-KernelTalk -SourcePath $source -NoUdevRule @Restore -Confirm:$false
        [System.IO.File]::Exists($ko) | Should -BeTrue
        & $Loaded | Should -BeTrue
        $room = New-TestRoom
        'built here' | Send-KernelTalkMessage -Room $room
        (Receive-KernelTalkMessage -Room $room -NoWait).Text | Should -Be 'built here'
    }

    It 'Should write LoadFailed for parameters the module rejects' -Skip:(-not $env:KT_MODULE) {
        Uninstall-KernelTalk -Confirm:$false
        { Install-KernelTalk -ModulePath $Ko -NoUdevRule -MaxMessage 4096 -Capacity 1024 -Confirm:$false } |
            Should -Throw -ErrorId "LoadFailed,$InstallId"
        & $Loaded | Should -BeFalse
    }
}

Describe 'Uninstall-KernelTalk' {
    It 'Should refuse to unload while another file has the device open' -Skip:(-not $env:KT_MODULE) {
        if (-not (& $Loaded)) { Install-KernelTalk -ModulePath $Ko -NoUdevRule @Restore -Confirm:$false }
        $fs = [System.IO.File]::Open('/dev/kerneltalk', 'Open', 'Write')
        try {
            { Uninstall-KernelTalk -Confirm:$false } | Should -Throw -ErrorId "ModuleInUse,$UninstallId"
            & $Loaded | Should -BeTrue
        }
        finally { $fs.Dispose() }
    }

    It 'Should warn when the module is not loaded' -Skip:(-not $env:KT_MODULE) {
        Uninstall-KernelTalk -Confirm:$false
        $warn = $null
        Uninstall-KernelTalk -Confirm:$false -WarningVariable warn -WarningAction SilentlyContinue
        $warn | Should -HaveCount 1
    }
}
