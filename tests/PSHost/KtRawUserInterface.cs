using System;
using System.Management.Automation.Host;

namespace KernelTalk.PSHost;

/// <summary>
/// Just enough of the raw console for the formatter (it asks for the buffer
/// width) and for scripts that look at the window size. Screen-buffer
/// operations are not supported: nothing here draws full-screen UIs.
/// </summary>
internal sealed class KtRawUserInterface : PSHostRawUserInterface
{
    // Width used when stdout is not a terminal, so tables in logs are not
    // squeezed to 80 columns (pwsh uses 120 in the same situation).
    private const int RedirectedWidth = 120;

    public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;

    public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;

    public override Size BufferSize
    {
        get => new(Width(), Height());
        set => throw new NotSupportedException("kt-pwsh cannot resize the buffer");
    }

    public override Coordinates CursorPosition
    {
        get => Console.IsOutputRedirected ? new Coordinates(0, 0) : new Coordinates(Console.CursorLeft, Console.CursorTop);
        set => Console.SetCursorPosition(value.X, value.Y);
    }

    public override int CursorSize { get; set; } = 25;

    public override bool KeyAvailable => !Console.IsInputRedirected && Console.KeyAvailable;

    public override Size MaxPhysicalWindowSize => BufferSize;

    public override Size MaxWindowSize => BufferSize;

    public override Coordinates WindowPosition
    {
        get => new(0, 0);
        set => throw new NotSupportedException("kt-pwsh cannot move the window");
    }

    public override Size WindowSize
    {
        get => BufferSize;
        set => throw new NotSupportedException("kt-pwsh cannot resize the window");
    }

    public override string WindowTitle { get; set; } = "kt-pwsh";

    public override void FlushInputBuffer()
    {
        while (KeyAvailable)
        {
            Console.ReadKey(intercept: true);
        }
    }

    public override KeyInfo ReadKey(ReadKeyOptions options)
    {
        bool echo = (options & ReadKeyOptions.NoEcho) == 0;
        ConsoleKeyInfo key = Console.ReadKey(intercept: !echo);
        var state = ControlKeyStates.NumLockOn;
        if ((key.Modifiers & ConsoleModifiers.Shift) != 0)
        {
            state |= ControlKeyStates.ShiftPressed;
        }

        if ((key.Modifiers & ConsoleModifiers.Control) != 0)
        {
            state |= ControlKeyStates.LeftCtrlPressed;
        }

        if ((key.Modifiers & ConsoleModifiers.Alt) != 0)
        {
            state |= ControlKeyStates.LeftAltPressed;
        }

        return new KeyInfo((int)key.Key, key.KeyChar, state, keyDown: true);
    }

    public override BufferCell[,] GetBufferContents(Rectangle rectangle) =>
        throw new NotSupportedException("kt-pwsh cannot read the screen buffer");

    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) =>
        throw new NotSupportedException("kt-pwsh cannot scroll the screen buffer");

    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) =>
        throw new NotSupportedException("kt-pwsh cannot write the screen buffer");

    public override void SetBufferContents(Rectangle rectangle, BufferCell fill)
    {
        // Clear-Host calls this with the whole screen; honour that one case.
        if (!Console.IsOutputRedirected && rectangle.Left == -1 && rectangle.Right == -1)
        {
            Console.Clear();
            return;
        }

        throw new NotSupportedException("kt-pwsh cannot write the screen buffer");
    }

    private static int Width()
    {
        if (Console.IsOutputRedirected)
        {
            return RedirectedWidth;
        }

        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : RedirectedWidth;
        }
        catch (System.IO.IOException)
        {
            return RedirectedWidth;
        }
    }

    private static int Height()
    {
        if (Console.IsOutputRedirected)
        {
            return 50;
        }

        try
        {
            return Console.WindowHeight > 0 ? Console.WindowHeight : 50;
        }
        catch (System.IO.IOException)
        {
            return 50;
        }
    }
}
