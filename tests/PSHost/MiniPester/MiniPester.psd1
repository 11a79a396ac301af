@{
    # A small Pester-5-compatible subset for machines where the Pester module
    # cannot be installed. Invoke-Specs.ps1 loads it only when
    # `Import-Module Pester -MinimumVersion 5.0` fails; specs stay Pester 5.
    RootModule        = 'MiniPester.psm1'
    ModuleVersion     = '0.1.0'
    GUID              = '0b6f4f7e-2f55-4c86-9d0e-6b8a3f0c9a11'
    Author            = 'KernelTalk contributors'
    Description       = 'Pester-5-compatible subset used by the KernelTalk test runner.'
    PowerShellVersion = '7.2'
    FunctionsToExport = @(
        'Describe', 'Context', 'It',
        'BeforeAll', 'AfterAll', 'BeforeEach', 'AfterEach', 'BeforeDiscovery',
        'Should', 'Set-ItResult', 'Invoke-MiniPester'
    )
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
