namespace Vm.Tests.Modes;

/// <summary>The emulated VT-d the guest was booted with, as tests/vm/run-in-vm tells the guest
/// (<c>--vtd MODE --aw-bits N --fs1gp on|off</c> → <c>VM_VTD_MODE</c>, <c>VM_VTD_AW_BITS</c>, <c>VM_VTD_FS1GP</c>).</summary>
internal sealed record VtdBootMode(string Mode, int AwBits, bool Fs1gp)
{
    public const string Legacy = "legacy", Scalable = "scalable", ScalableFlts = "scalable-flts";

    /// <summary>Reads the runner's variables; a test run outside run-in-vm's x86 guest fails here, naming them.</summary>
    public static VtdBootMode Current
    {
        get
        {
            var mode = Environment.GetEnvironmentVariable("VM_VTD_MODE");
            var aw = Environment.GetEnvironmentVariable("VM_VTD_AW_BITS");
            var fs1gp = Environment.GetEnvironmentVariable("VM_VTD_FS1GP");
            Assert.True(mode is Legacy or Scalable or ScalableFlts && aw is "39" or "48" && fs1gp is "on" or "off",
                $"VM_VTD_MODE='{mode}', VM_VTD_AW_BITS='{aw}', VM_VTD_FS1GP='{fs1gp}': run this in tests/vm/run-in-vm's x86 guest (--vtd legacy|scalable|scalable-flts --aw-bits 39|48 --fs1gp on|off)");
            return new VtdBootMode(mode!, int.Parse(aw!), fs1gp == "on");
        }
    }

    public bool ScalableMode => Mode != Legacy;

    public bool FirstStage => Mode == ScalableFlts;

    /// <summary>The bits of the highest IOVA the IOAS offers: the width, less one where the host kernel maps DMA with
    /// first-stage tables, whose IOVAs it keeps in the lower canonical half (measured: 0x7fffffffffff with x-flts at 48).</summary>
    public int IovaBits => FirstStage ? AwBits - 1 : AwBits;

    /// <summary>CAP.FS1GP: QEMU reports it with first-stage tables unless booted with fs1gp=off.</summary>
    public bool FirstStage1GiBPages => FirstStage && Fs1gp;

    public override string ToString() => $"--vtd {Mode} --aw-bits {AwBits} --fs1gp {(Fs1gp ? "on" : "off")}";
}
