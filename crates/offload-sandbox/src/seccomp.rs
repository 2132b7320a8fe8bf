//! The seccomp deny list, compiled to classic BPF once per sandbox.
//!
//! A deny list rather than an allow list: jobs are arbitrary programs (compilers, interpreters,
//! runtimes), and what they need is unknowable, while the calls below are the ones sandbox escapes
//! and kernel exploits lean on, and that no ordinary job needs. The list is isolate's plus the
//! rest of nsjail's usual suspects. The filter is a plain array, built in the worker and installed
//! by the job with one `prctl`, so installing it allocates nothing.

/// System calls that fail with `EPERM`.
const DENIED: &[libc::c_long] = &[
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_bpf,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_perf_event_open,
    libc::SYS_userfaultfd,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_reboot,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_acct,
    libc::SYS_open_by_handle_at,
    libc::SYS_fsopen,
    libc::SYS_fsmount,
    libc::SYS_fsconfig,
    libc::SYS_move_mount,
    libc::SYS_open_tree,
    libc::SYS_mount_setattr,
    libc::SYS_quotactl,
];

/// `clone` flags that create namespaces; `clone` with any of them fails with `EPERM`.
const NAMESPACE_FLAGS: u32 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWCGROUP
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET) as u32;

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xc000_003e;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xc000_00b7;

/// x32 system calls on x86_64 carry this bit; they are refused outright.
const X32_BIT: u32 = 0x4000_0000;

const LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const JEQ_K: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
const JGE_K: u16 = (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16;
const JSET_K: u16 = (libc::BPF_JMP | libc::BPF_JSET | libc::BPF_K) as u16;
const RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;

// Offsets into struct seccomp_data; arguments are 64-bit, and the low half comes first on the
// little-endian machines this file supports.
const NR: u32 = 0;
const ARCH: u32 = 4;
const ARG0_LOW: u32 = 16;
const ARG1_LOW: u32 = 24;

const ALLOW: u32 = libc::SECCOMP_RET_ALLOW;
const KILL: u32 = libc::SECCOMP_RET_KILL_PROCESS;

fn errno(code: i32) -> u32 {
    libc::SECCOMP_RET_ERRNO | (code as u32 & libc::SECCOMP_RET_DATA)
}

/// A compiled filter and the `sock_fprog` that points at it.
#[derive(Debug)]
pub(crate) struct SeccompProgram {
    filter: Vec<libc::sock_filter>,
    program: Box<libc::sock_fprog>,
}

// SAFETY: the program only points into `filter`, which is never mutated after construction.
unsafe impl Send for SeccompProgram {}
// SAFETY: as above.
unsafe impl Sync for SeccompProgram {}

impl SeccompProgram {
    /// Compiles the deny list.
    pub(crate) fn deny_list() -> Self {
        let mut f = vec![
            stmt(LD_W_ABS, ARCH),
            jump(JEQ_K, AUDIT_ARCH, 1, 0),
            stmt(RET_K, KILL),
            stmt(LD_W_ABS, NR),
            jump(JGE_K, X32_BIT, 0, 1),
            stmt(RET_K, errno(libc::EPERM)),
        ];
        for &nr in DENIED {
            f.push(jump(JEQ_K, nr as u32, 0, 1));
            f.push(stmt(RET_K, errno(libc::EPERM)));
        }
        // clone3 passes its flags in memory, which BPF cannot read; ENOSYS makes libc fall back
        // to clone, whose flags the next rule checks.
        f.push(jump(JEQ_K, libc::SYS_clone3 as u32, 0, 1));
        f.push(stmt(RET_K, errno(libc::ENOSYS)));
        f.push(jump(JEQ_K, libc::SYS_clone as u32, 0, 3));
        f.push(stmt(LD_W_ABS, ARG0_LOW));
        f.push(jump(JSET_K, NAMESPACE_FLAGS, 0, 1));
        f.push(stmt(RET_K, errno(libc::EPERM)));
        // TIOCSTI pushes characters into a terminal's input queue: a classic escape.
        f.push(jump(JEQ_K, libc::SYS_ioctl as u32, 0, 3));
        f.push(stmt(LD_W_ABS, ARG1_LOW));
        f.push(jump(JEQ_K, libc::TIOCSTI as u32, 0, 1));
        f.push(stmt(RET_K, errno(libc::EPERM)));
        f.push(stmt(RET_K, ALLOW));
        let mut program = Box::new(libc::sock_fprog {
            len: f.len() as u16,
            filter: std::ptr::null_mut(),
        });
        program.filter = f.as_mut_ptr();
        Self { filter: f, program }
    }

    /// The program to pass to `prctl(PR_SET_SECCOMP)`.
    pub(crate) fn as_ptr(&self) -> *const libc::sock_fprog {
        debug_assert_eq!(self.program.filter.cast_const(), self.filter.as_ptr());
        &*self.program
    }
}

fn stmt(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}
