# SPDX-License-Identifier: GPL-2.0
# New-KernelTalkRoom against the real device (run inside the VM).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $Id = 'KernelTalk.Commands.NewKernelTalkRoomCommand'
}

Describe 'New-KernelTalkRoom' {
    Context 'With the device' {
        BeforeEach { Skip-WithoutDevice }

        It 'Should create the room and return the creator''s session in it' {
            $room = New-TestRoom
            $s = New-KernelTalkRoom -Name $room
            try {
                $s | Should -BeOfType ([KernelTalk.Session])
                $s.IsOpen | Should -BeTrue
                $s.Room | Should -BeExactly $room
                (Get-KernelTalkRoom -Name $room).Members | Should -Be 1
                'to myself' | Send-KernelTalkMessage -Session $s
                (Receive-KernelTalkMessage -Session $s -NoWait).Text | Should -BeExactly 'to myself'
            }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should give the room the caller as owner and -Mode <_>, as Get-KernelTalkRoom -Session shows' -ForEach @('0640', '0600', '0000') {
            $s = New-KernelTalkRoom -Name (New-TestRoom) -Mode $_
            try {
                $room = Get-KernelTalkRoom -Session $s
                $room.Mode | Should -BeExactly $_
                $room.Owner | Should -Be 0
                $room.OwnerName | Should -BeExactly 'root'
                $room.Group | Should -Be 0
            }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should free an empty room when its creator disconnects' {
            $room = New-TestRoom
            New-KernelTalkRoom -Name $room | Disconnect-KernelTalk
            { Get-KernelTalkRoom -Name $room -ErrorAction Stop } | Should -Throw -ErrorId 'RoomNotFound,KernelTalk.Commands.GetKernelTalkRoomCommand'
        }

        It 'Should write RoomExists for a room that exists, and output nothing' {
            $room = New-TestRoom
            $s = Connect-KernelTalk -Room $room
            try {
                { New-KernelTalkRoom -Name $room -ErrorAction Stop } | Should -Throw -ErrorId "RoomExists,$Id"
                $out = New-KernelTalkRoom -Name $room -ErrorAction SilentlyContinue -ErrorVariable err
                $out | Should -BeNullOrEmpty
                $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
                (Get-KernelTalkRoom -Name $room).Members | Should -Be 1
            }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should create nothing with -WhatIf' {
            $room = New-TestRoom
            New-KernelTalkRoom -Name $room -WhatIf | Should -BeNullOrEmpty
            { Get-KernelTalkRoom -Name $room -ErrorAction Stop } | Should -Throw -ErrorId 'RoomNotFound,KernelTalk.Commands.GetKernelTalkRoomCommand'
        }
    }

    Context 'For a user without capabilities' {
        BeforeAll {
            # One unprivileged pwsh for every case: starting one takes minutes
            # in the TCG VM.  Root passes any mode; that pwsh creates each room
            # (the creator joins whatever the mode) and its owner's bits then
            # decide its second file.  Each case writes one line: 'joined' or
            # the error's id, category and message separated by '|'.
            $Cases = @(
                @{ Mode = '0600'; Connect = 'Connect-KernelTalk'; Expected = 'joined' }
                @{ Mode = '0200'; Connect = 'Connect-KernelTalk -SendOnly'; Expected = 'joined' }
                @{ Mode = '0200'; Connect = 'Connect-KernelTalk'; Expected = 'RoomAccessDenied,KernelTalk.Commands.ConnectKernelTalkCommand|PermissionDenied|*read and write (rw)*' }
                @{ Mode = '0400'; Connect = 'Connect-KernelTalk -SendOnly'; Expected = 'RoomAccessDenied,KernelTalk.Commands.ConnectKernelTalkCommand|PermissionDenied|*write (w)*' }
            )
            $Max = Get-ModuleParameter 'max_rooms_per_user'
            $script = foreach ($case in $Cases) {
                $room = New-TestRoom
                "`$s = New-KernelTalkRoom -Name $room -Mode $($case.Mode) -ErrorAction Stop; " +
                "try { `$j = $($case.Connect) -Room $room -ErrorAction Stop; 'joined'; `$j | Disconnect-KernelTalk } " +
                "catch { `$_.FullyQualifiedErrorId + '|' + `$_.CategoryInfo.Category + '|' + `$_.Exception.Message } finally { `$s | Disconnect-KernelTalk }; "
            }
            # Then the quota: rooms until the first error (root's own rooms count for its uid too).
            $script += "`$made = [System.Collections.Generic.List[object]]::new(); " +
                "try { foreach (`$i in 0..$Max) { `$made.Add((New-KernelTalkRoom -Name ('pq-' + `$i + '-' + `$PID) -ErrorAction Stop)) }; 'no error' } " +
                "catch { `$_.FullyQualifiedErrorId + '|' + `$_.Exception.Message } finally { `$made.Count; `$made | Disconnect-KernelTalk }"
            if (Test-Path /dev/kerneltalk) { $Out = @(Invoke-Unprivileged ($script -join '')) }
        }

        BeforeEach { Skip-WithoutDevice }

        It 'Should check later joins against the room''s mode: rw needs both bits, -SendOnly only w' {
            for ($i = 0; $i -lt $Cases.Count; $i++) {
                $Out[$i] | Should -BeLike $Cases[$i].Expected -Because "$($Cases[$i].Connect) in a $($Cases[$i].Mode) room"
            }
        }

        It 'Should write RoomQuotaReached once a user has made max_rooms_per_user rooms' {
            $Out[4] | Should -BeLike "RoomQuotaReached,$Id|*max_rooms_per_user ($Max)*"
            [int]$Out[5] | Should -BeLessOrEqual $Max
        }
    }

    It 'Should reject a bad room name' {
        { New-KernelTalkRoom -Name 'no way' } | Should -Throw -ErrorId "ParameterArgumentValidationError,$Id"
    }

    It 'Should reject a mode that is not three octal digits' {
        { New-KernelTalkRoom -Name ops -Mode 0800 } | Should -Throw -ErrorId "ParameterArgumentValidationError,$Id"
    }

    It 'Should write DeviceNotFound for a missing device' {
        { New-KernelTalkRoom -Name ops -Path /dev/kerneltalk-missing -ErrorAction Stop } | Should -Throw -ErrorId "DeviceNotFound,$Id"
    }
}
