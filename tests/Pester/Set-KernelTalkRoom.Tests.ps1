# SPDX-License-Identifier: GPL-2.0
# Set-KernelTalkRoom against the real device (run inside the VM).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $Id = 'KernelTalk.Commands.SetKernelTalkRoomCommand'
    # Another user of the same user namespace (so it finds root's rooms):
    # pwsh lives under /root, out of its reach, so the C client joins for it.
    $Client = Join-Path $PSScriptRoot '../../lkm/client/kerneltalk-client'
    function Test-NobodyJoins([string] $Room) {
        $err = & setpriv --reuid=65534 --regid=65534 --clear-groups $Client --room $Room --info 2>&1 | Out-String
        [pscustomobject]@{ Joined = $LASTEXITCODE -eq 0; Error = $err }
    }
}

Describe 'Set-KernelTalkRoom' {
    Context 'With the device' {
        BeforeEach { Skip-WithoutDevice }

        It 'Should let the owner change the mode, and then refuse another user''s join' {
            $room = New-TestRoom
            $s = New-KernelTalkRoom -Name $room -Mode 0666
            try {
                (Test-NobodyJoins $room).Joined | Should -BeTrue
                Set-KernelTalkRoom -Name $room -Mode 0600 | Should -BeNullOrEmpty
                (Get-KernelTalkRoom -Name $room).Mode | Should -BeExactly '0600'
                $nobody = Test-NobodyJoins $room
                $nobody.Joined | Should -BeFalse
                $nobody.Error | Should -Match 'permission denied'
            }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should change owner and group by name and keep the mode' {
            $s = New-KernelTalkRoom -Name (New-TestRoom) -Mode 0640
            try {
                $room = $s | Set-KernelTalkRoom -Owner nobody -Group 100 -PassThru
                $room.Owner | Should -Be 65534
                $room.OwnerName | Should -BeExactly 'nobody'
                $room.Group | Should -Be 100
                $room.Mode | Should -BeExactly '0640'
            }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should show -Policy and -StallMilliseconds in Get-KernelTalkRoom' {
            $room = New-TestRoom
            $s = New-KernelTalkRoom -Name $room
            try {
                $before = Get-KernelTalkRoom -Name $room
                $before.StallMilliseconds | Should -Be (Get-ModuleParameter 'stall_ms')
                Set-KernelTalkRoom -Room $room -Policy Overwrite -StallMilliseconds 1234
                $after = Get-KernelTalkRoom -Name $room
                $after.Policy | Should -Be 'Overwrite'
                $after.StallMilliseconds | Should -Be 1234
                $after.Owner | Should -Be 0
                $after.Mode | Should -BeExactly '0600'
                (Get-KernelTalkRoom -Session $s).StallMilliseconds | Should -Be 1234
                Set-KernelTalkRoom -Room $room -StallMilliseconds 0
                (Get-KernelTalkRoom -Name $room).StallMilliseconds | Should -Be 0
            }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should show owner and mode in the table' {
            $room = New-TestRoom
            $s = New-KernelTalkRoom -Name $room -Mode 0640
            try {
                $table = Get-KernelTalkRoom -Name $room | Out-String -Width 160
                $table | Should -Match 'Owner\s+Mode'
                $table | Should -Match "$room\s.*\sroot\s+0640"
            }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should change nothing with -WhatIf' {
            $room = New-TestRoom
            $s = New-KernelTalkRoom -Name $room -Mode 0640
            try {
                Set-KernelTalkRoom -Name $room -Mode 0666 -Policy Overwrite -StallMilliseconds 1 -WhatIf | Should -BeNullOrEmpty
                $after = Get-KernelTalkRoom -Name $room
                $after.Mode | Should -BeExactly '0640'
                $after.Policy | Should -Be 'Block'
                $after.StallMilliseconds | Should -Be (Get-ModuleParameter 'stall_ms')
            }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should not create a room that does not exist' {
            $room = New-TestRoom
            { Set-KernelTalkRoom -Name $room -Mode 0600 -ErrorAction Stop } | Should -Throw -ErrorId "RoomNotFound,$Id"
            { Get-KernelTalkRoom -Name $room -ErrorAction Stop } | Should -Throw -ErrorId 'RoomNotFound,KernelTalk.Commands.GetKernelTalkRoomCommand'
        }

        It 'Should write DefaultRoomAccess for the mode of a default room, pointing at chmod' {
            Set-KernelTalkRoom -Mode 0600 -ErrorAction SilentlyContinue -ErrorVariable err
            $err[0].FullyQualifiedErrorId | Should -BeExactly "DefaultRoomAccess,$Id"
            $err[0].ErrorDetails.RecommendedAction | Should -Match 'chmod'
        }

        It 'Should write RoomChangeDenied (PermissionDenied) for a user that is not the owner' {
            # A node of uid 1000: its default room's owner.  The second pwsh
            # (root's uid, no capability in the node's namespace) is not.
            $node = Join-Path $TestDrive 'kt-theirs'
            $major, $minor = (Get-Content /sys/class/misc/kerneltalk/dev).Split(':')
            & mknod -m 0666 $node c $major $minor
            & chown 1000:1000 $node
            $script = "try { Set-KernelTalkRoom -Path '$node' -StallMilliseconds 5 -ErrorAction Stop } " +
                "catch { `$_.FullyQualifiedErrorId + '|' + `$_.CategoryInfo.Category + '|' + `$_.Exception.Message }; " +
                "(Get-KernelTalkRoom -Session (Connect-KernelTalk -Path '$node')).StallMilliseconds"
            $out = @(Invoke-Unprivileged $script)
            $out[0] | Should -BeLike "RoomChangeDenied,$Id|PermissionDenied|Only the room's owner or root (CAP_SYS_ADMIN) can change*"
            [uint32]$out[1] | Should -Be (Get-ModuleParameter 'stall_ms')
        }
    }

    It 'Should reject a stall bound above one day' {
        { Set-KernelTalkRoom -StallMilliseconds 86400001 } | Should -Throw -ErrorId "ParameterArgumentValidationError,$Id"
    }

    It 'Should reject a mode that is not three octal digits' {
        { Set-KernelTalkRoom -Mode 0800 } | Should -Throw -ErrorId "ParameterArgumentValidationError,$Id"
    }

    It 'Should write DeviceNotFound for a missing device' {
        { Set-KernelTalkRoom -Path /dev/kerneltalk-missing -Policy Block -ErrorAction Stop } | Should -Throw -ErrorId "DeviceNotFound,$Id"
    }
}
