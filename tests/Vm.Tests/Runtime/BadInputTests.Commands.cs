using System.Runtime.CompilerServices;
using Linux.Iommu;
using Linux.Iommu.Native;
using Microsoft.Win32.SafeHandles;

namespace Vm.Tests.Runtime;

/// <summary>The iommufd command framework: object ids, the <c>size</c> handshake, flags, options.</summary>
public sealed partial class BadInputTests
{
    // Each command with the arguments left at zero (ioas_id 0 names nothing), called with a chosen size.
    private static readonly Dictionary<string, Func<SafeFileHandle, int, byte, int>> SizedCommands = new()
    {
        [nameof(Ioctls.IOMMU_DESTROY)] = (fd, delta, tail) => RawIoctl.CallSized(fd, Ioctls.TryIOMMU_DESTROY, iommu_destroy.Create(), delta, tail),
        [nameof(Ioctls.IOMMU_IOAS_ALLOC)] = (fd, delta, tail) => RawIoctl.CallSized(fd, Ioctls.TryIOMMU_IOAS_ALLOC, iommu_ioas_alloc.Create(), delta, tail),
        [nameof(Ioctls.IOMMU_IOAS_MAP)] = (fd, delta, tail) => RawIoctl.CallSized(fd, Ioctls.TryIOMMU_IOAS_MAP, iommu_ioas_map.Create(), delta, tail),
        [nameof(Ioctls.IOMMU_IOAS_UNMAP)] = (fd, delta, tail) => RawIoctl.CallSized(fd, Ioctls.TryIOMMU_IOAS_UNMAP, iommu_ioas_unmap.Create(), delta, tail),
        [nameof(Ioctls.IOMMU_IOAS_COPY)] = (fd, delta, tail) => RawIoctl.CallSized(fd, Ioctls.TryIOMMU_IOAS_COPY, iommu_ioas_copy.Create(), delta, tail),
        [nameof(Ioctls.IOMMU_IOAS_IOVA_RANGES)] = (fd, delta, tail) => RawIoctl.CallSized(fd, Ioctls.TryIOMMU_IOAS_IOVA_RANGES, iommu_ioas_iova_ranges.Create(), delta, tail),
        [nameof(Ioctls.IOMMU_IOAS_ALLOW_IOVAS)] = (fd, delta, tail) => RawIoctl.CallSized(fd, Ioctls.TryIOMMU_IOAS_ALLOW_IOVAS, iommu_ioas_allow_iovas.Create(), delta, tail),
        [nameof(Ioctls.IOMMU_OPTION)] = (fd, delta, tail) => RawIoctl.CallSized(fd, Ioctls.TryIOMMU_OPTION, iommu_option.Create(), delta, tail),
    };

    public static TheoryData<string> SizedCommandNames => new(SizedCommands.Keys);

    [Fact]
    public void Destroy_of_id_0_fails_with_ENOENT()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd, cmd_fail) "object id is invalid"
        using var iommu = IommuFd.Open();
        var error = KernelAssert.Fails(nameof(Ioctls.IOMMU_DESTROY), Errno.ENOENT, () => iommu.Destroy(0));
        Assert.EndsWith(" - id 0", error.Message);
    }

    [Fact]
    public void Destroy_with_a_null_argument_fails_with_EFAULT()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd, cmd_fail) "Bad pointer"
        using var iommu = IommuFd.Open();
        KernelAssert.Errno(Errno.EFAULT, Ioctls.TryIOMMU_DESTROY(RawIoctl.Fd(iommu.Handle), ref Unsafe.NullRef<iommu_destroy>()));
    }

    [Fact]
    public void An_ioctl_number_just_below_the_iommufd_commands_fails_with_ENOTTY()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd, cmd_fail) "Unknown ioctl": _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE - 1). The iommufd
        // requests are _IO numbers (no size bits) and IOMMU_DESTROY is IOMMUFD_CMD_BASE, so that is IOMMU_DESTROY - 1.
        using var iommu = IommuFd.Open();
        var command = iommu_destroy.Create();
        var bytes = new byte[iommu_destroy.NativeSize];
        System.Runtime.InteropServices.MemoryMarshal.Write(bytes, in command);
        KernelAssert.Errno(Errno.ENOTTY, RawIoctl.Call(iommu.Handle, Requests.IOMMU_DESTROY - 1, bytes));
    }

    [Theory]
    [MemberData(nameof(SizedCommandNames))]
    public void A_command_one_byte_short_fails_with_EINVAL(string command)
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd, cmd_length) "size = min_size - 1"; TEST_F(iommufd, cmd_ex_fail) "Short command fails"
        using var iommu = IommuFd.Open();
        KernelAssert.Errno(Errno.EINVAL, SizedCommands[command](iommu.Handle, -1, 0xff));
    }

    [Theory]
    [MemberData(nameof(SizedCommandNames))]
    public void A_command_one_byte_long_with_a_nonzero_tail_fails_with_E2BIG(string command)
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd, cmd_length) "size = sizeof + 1, extra = UINT8_MAX"; cmd_ex_fail "future area is non-zero"
        using var iommu = IommuFd.Open();
        KernelAssert.Errno(Errno.E2BIG, SizedCommands[command](iommu.Handle, +1, 0xff));
    }

    [Theory]
    [InlineData(nameof(Ioctls.IOMMU_DESTROY), Errno.ENOENT)]
    [InlineData(nameof(Ioctls.IOMMU_IOAS_ALLOC), 0)]
    [InlineData(nameof(Ioctls.IOMMU_IOAS_MAP), Errno.EINVAL)]
    [InlineData(nameof(Ioctls.IOMMU_IOAS_UNMAP), Errno.ENOENT)]
    [InlineData(nameof(Ioctls.IOMMU_IOAS_IOVA_RANGES), Errno.ENOENT)]
    [InlineData(nameof(Ioctls.IOMMU_OPTION), 0)] // all zero: SET of RLIMIT_MODE to 0, allowed to root on an empty iommufd
    public void A_command_one_byte_long_with_a_zero_tail_is_answered_as_the_exact_size(string command, int exactSizeErrno)
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd, cmd_length) "size = sizeof + 1, extra = 0": the same answer as at sizeof;
        // cmd_ex_fail "object id is invalid and command is longer". A fresh iommufd per call: IOAS_ALLOC's new
        // IOAS goes with it.
        using (var exact = IommuFd.Open()) KernelAssert.Errno(exactSizeErrno, SizedCommands[command](exact.Handle, 0, 0));
        using var longer = IommuFd.Open();
        KernelAssert.Errno(exactSizeErrno, SizedCommands[command](longer.Handle, +1, 0));
    }

    [Fact]
    public void Ioas_alloc_with_unknown_flags_fails_with_EOPNOTSUPP()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // kernel: ioas.c iommufd_ioas_alloc_ioctl "if (cmd->flags) return -EOPNOTSUPP" (no selftest case)
        using var iommu = IommuFd.Open();
        var alloc = iommu_ioas_alloc.Create();
        alloc.flags = 1;
        KernelAssert.Errno(Errno.EOPNOTSUPP, Ioctls.TryIOMMU_IOAS_ALLOC(RawIoctl.Fd(iommu.Handle), ref alloc));
    }

    [Fact]
    public void Huge_pages_option_set_to_2_fails_with_EINVAL_and_keeps_the_value()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd_ioas, ioas_option_huge_pages) "val64 = 2 -> EINVAL"
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        var option = HugePagesOption(ioas.Id, iommufd_option_ops.IOMMU_OPTION_OP_SET);
        option.val64 = 2;
        KernelAssert.Errno(Errno.EINVAL, Ioctls.TryIOMMU_OPTION(RawIoctl.Fd(iommu.Handle), ref option));
        Assert.True(ioas.HugePages);
    }

    [Fact]
    public void Huge_pages_option_of_object_0_fails_with_ENOENT()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        // selftest: TEST_F(iommufd, global_options) "IOMMU_OPTION_HUGE_PAGES ... ENOENT": a per-IOAS option, not global
        using var iommu = IommuFd.Open();
        var option = HugePagesOption(0, iommufd_option_ops.IOMMU_OPTION_OP_GET);
        KernelAssert.Errno(Errno.ENOENT, Ioctls.TryIOMMU_OPTION(RawIoctl.Fd(iommu.Handle), ref option));
    }

    [Fact]
    public void A_failed_option_names_the_option_and_the_operation_not_their_numbers()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        KernelAssert.Errno(0, iommu.TryDestroy(ioas.Id, out var destroyErrno), destroyErrno); // gone from the kernel behind the object's back

        var error = Assert.Throws<IommuException>(() => ioas.HugePages);
        Assert.Equal(nameof(Ioctls.IOMMU_OPTION), error.Operation);
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.EndsWith($"; IOMMU_OPTION_HUGE_PAGES IOMMU_OPTION_OP_GET on object {ioas.Id}", error.Message);
    }

    private static iommu_option HugePagesOption(uint objectId, iommufd_option_ops op)
    {
        var option = iommu_option.Create();
        option.option_id = (uint)iommufd_option.IOMMU_OPTION_HUGE_PAGES;
        option.op = (ushort)op;
        option.object_id = objectId;
        return option;
    }
}
