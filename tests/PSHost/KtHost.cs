using System;
using System.Globalization;
using System.Management.Automation.Host;

namespace KernelTalk.PSHost;

/// <summary>
/// The host object scripts see as $Host. Besides handing out the UI it
/// records an <c>exit N</c> from the top-level script, which the engine
/// reports through <see cref="SetShouldExit"/>.
/// </summary>
internal sealed class KtHost : System.Management.Automation.Host.PSHost
{
    private readonly KtHostUserInterface _ui;

    public KtHost(bool nonInteractive)
    {
        _ui = new KtHostUserInterface(nonInteractive);
    }

    public override string Name => "kt-pwsh";

    public override Version Version { get; } =
        typeof(KtHost).Assembly.GetName().Version ?? new Version(1, 0);

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override PSHostUserInterface UI => _ui;

    public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;

    /// <summary>True once the script ran <c>exit</c> at the top level.</summary>
    public bool ShouldExit { get; private set; }

    /// <summary>The argument of that <c>exit</c>.</summary>
    public int ExitCode { get; private set; }

    public override void SetShouldExit(int exitCode)
    {
        ShouldExit = true;
        ExitCode = exitCode;
    }

    // Nested prompts need an interactive read-eval loop, which this host
    // deliberately does not have; the engine turns this into an error.
    public override void EnterNestedPrompt() =>
        throw new NotSupportedException("kt-pwsh has no nested prompt");

    public override void ExitNestedPrompt() =>
        throw new NotSupportedException("kt-pwsh has no nested prompt");

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }
}
