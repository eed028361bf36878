/* test_rmig_ckpt.c: Check tests of checkpoint images (rmig_ckpt.c, rmig_ckpt_restart.c).
 *
 * Cluster RMU_ME runs rank RMU_ME in the fake container. The rank writes
 * its image through the real path (rmig_checkpoint_write: suspend, the
 * spare loop's rmig_move_out writes it, resume) into a temporary
 * directory; the tests then write a manifest naming it, empty the
 * container, and boot the cluster again with NMPI_RESTART_DIR
 * (rmig_ckpt_boot), which must restore every byte, leave the rank
 * suspended and mark it restarted, or refuse with -EIO and load nothing
 * when the manifest is missing, names another job shape or executable, or
 * the image is damaged or truncated. Also: the manifest of a checkpoint
 * with a rank's image missing is not written, a rank running threads of
 * its own writes none, and while a checkpoint holds moves a safe point
 * keeps an ask for later instead of moving.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rmig_ckpt.h"
#include "rmig_unit.h"
#include "testhelp.h"
#include "testhelp_check.h"

static char dir[64];
static unsigned char saved[FAKE_SLOTS][FAKE_SLOT_SIZE];

static void path_of(const char *name, char *buf, size_t max)
{
    snprintf(buf, max, "%s/%s", dir, name);
}

/* Fixture: rank RMU_ME with three touched slots, a fresh directory. */
static void setup(void)
{
    rmu_setup();
    for (int s = 0; s < FAKE_SLOTS; s++)
        fake_range_len[s] = s < 3 ? FAKE_SLOT_SIZE : 0;
    strcpy(dir, "/tmp/test_rmig_ckpt.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    unsetenv("NMPI_RESTART_DIR");
}

static void teardown(void)
{
    char cmd[128];

    unsetenv("NMPI_RESTART_DIR");
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* The rank writes its image; the container is then saved and emptied. */
static void write_image(void)
{
    int restarted = -1;

    ck_assert_int_eq(rmig_checkpoint_write(dir, RMU_NRANKS, &restarted), 0);
    ck_assert_int_eq(restarted, 0);
    ck_assert(ua_container_present() && !ua_rank_suspended()); /* resumed */
    memcpy(saved, fake_region, sizeof(saved));
    fake_region_clear();
}

/* A manifest naming the image of RMU_ME (the other ranks' lines are never
 * read by this cluster), for `nranks` ranks and `fingerprint`. */
static void write_manifest(int nranks, uint64_t fingerprint)
{
    static struct rmig_ckpt_manifest m;
    struct rmig_ckpt_hdr h;
    char path[128], text[4096];
    int fd, n;

    path_of("rank-1.img", path, sizeof(path));
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(read(fd, &h, sizeof(h)), sizeof(h));
    close(fd);
    memset(&m, 0, sizeof(m));
    m.nranks = nranks;
    m.fingerprint = fingerprint;
    m.rank[RMU_ME] = (struct rmig_ckpt_entry){h.hdr_checksum, h.file_bytes};
    n = rmig_ckpt_manifest_format(&m, text, sizeof(text));
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(rmig_ckpt_publish(dir, RMIG_CKPT_MANIFEST, text, (size_t)n, NULL, NULL), 0);
}

START_TEST(image_restores_every_byte)
{
    write_image();
    write_manifest(RMU_NRANKS, fake_fingerprint);
    setenv("NMPI_RESTART_DIR", dir, 1);
    rmig_ckpt.loaded = 0;
    ck_assert_int_eq(rmig_ckpt_boot(1), 0);
    ck_assert_int_eq(rmig_ckpt.loaded, 1);
    ck_assert(ua_rank_suspended());
    ck_assert_int_eq(ua_get_rank(), RMU_ME);
    for (int s = 0; s < 3; s++)
        ck_assert_mem_eq(fake_region[s] + (s == 0 ? sizeof(struct fake_header) : 0),
                         saved[s] + (s == 0 ? sizeof(struct fake_header) : 0),
                         FAKE_SLOT_SIZE - (s == 0 ? sizeof(struct fake_header) : 0));
    for (int s = 3; s < FAKE_SLOTS; s++) /* untouched: not in the image */
        ck_assert_int_eq(fake_region[s][0], 0);
}
END_TEST

START_TEST(spare_loads_nothing)
{
    write_image();
    write_manifest(RMU_NRANKS, fake_fingerprint);
    setenv("NMPI_RESTART_DIR", dir, 1);
    ck_assert_int_eq(rmig_ckpt_boot(0), 0);
    ck_assert(!ua_container_present());
}
END_TEST

START_TEST(without_restart_boot_is_unchanged)
{
    ck_assert_int_eq(rmig_ckpt_boot(1), 1);
    ck_assert_int_eq(rmig_ckpt_boot(0), 0);
}
END_TEST

/* What is wrong with the checkpoint, made after the image was written. */
static const struct {
    const char *name;
    int nranks;          /* of the manifest */
    int fingerprint_off; /* added to the manifest's fingerprint */
    long flip_at;        /* byte of the image inverted, or -1; from the end when < -1 */
    long truncate_by;    /* bytes cut off the image */
    int no_manifest;
} bad_cases[] = {
    {"no manifest", RMU_NRANKS, 0, -1, 0, 1},
    {"other job shape", RMU_NRANKS + 1, 0, -1, 0, 0},
    {"other executable", RMU_NRANKS, 1, -1, 0, 0},
    {"flipped header byte", RMU_NRANKS, 0, 12, 0, 0},
    {"flipped table byte", RMU_NRANKS, 0, (long)sizeof(struct rmig_ckpt_hdr) + 3, 0, 0},
    {"flipped range byte", RMU_NRANKS, 0, -100, 0, 0},
    {"truncated image", RMU_NRANKS, 0, -1, 1, 0},
};

static int boot_ret;

static void boot_quietly(void *arg)
{
    (void)arg;
    boot_ret = rmig_ckpt_boot(1);
}

START_TEST(damaged_checkpoint_refused)
{
    char path[128], err[512];
    struct stat st;

    write_image();
    write_manifest(bad_cases[_i].nranks,
                   fake_fingerprint + (uint64_t)bad_cases[_i].fingerprint_off);
    path_of("rank-1.img", path, sizeof(path));
    ck_assert_int_eq(stat(path, &st), 0);
    if (bad_cases[_i].flip_at != -1) {
        long at =
            bad_cases[_i].flip_at < -1 ? st.st_size + bad_cases[_i].flip_at : bad_cases[_i].flip_at;
        FILE *f = fopen(path, "r+b");
        int c;

        ck_assert_ptr_nonnull(f);
        fseek(f, at, SEEK_SET);
        c = fgetc(f);
        fseek(f, at, SEEK_SET);
        fputc(c ^ 0xff, f);
        fclose(f);
    }
    if (bad_cases[_i].truncate_by)
        ck_assert_int_eq(truncate(path, st.st_size - bad_cases[_i].truncate_by), 0);
    if (bad_cases[_i].no_manifest) {
        path_of(RMIG_CKPT_MANIFEST, path, sizeof(path));
        ck_assert_int_eq(unlink(path), 0);
    }
    setenv("NMPI_RESTART_DIR", dir, 1);
    rmig_ckpt.loaded = 0;
    th_stderr_capture(boot_quietly, NULL, err, sizeof(err));
    ck_assert_int_eq(boot_ret, -EIO);
    ck_assert_int_eq(rmig_ckpt.loaded, 0);
    ck_assert(!ua_rank_suspended()); /* nothing resumable was loaded */
}
END_TEST

START_TEST(manifest_needs_every_image)
{
    char path[128];

    write_image();
    /* Only rank RMU_ME wrote: the others' images are missing. */
    ck_assert_int_eq(rmig_checkpoint_manifest(dir, RMU_NRANKS), -ENOENT);
    path_of(RMIG_CKPT_MANIFEST, path, sizeof(path));
    ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(open_removes_old_manifest)
{
    char path[128];

    write_image();
    write_manifest(RMU_NRANKS, fake_fingerprint);
    ck_assert_int_eq(rmig_checkpoint_open(dir), 0);
    path_of(RMIG_CKPT_MANIFEST, path, sizeof(path));
    ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(rank_with_threads_is_not_written)
{
    char path[128];
    int restarted = -1;

    fake_rank_threads = 1;
    ck_assert_int_eq(rmig_checkpoint_write(dir, RMU_NRANKS, &restarted), -EUSERS);
    fake_rank_threads = 0;
    ck_assert_int_eq(fake_suspends, 0);
    path_of("rank-1.img", path, sizeof(path));
    ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(hold_keeps_asks_for_later)
{
    struct rmig_wire_hdr h = rmu_hdr(RMIG_MSG_ASK, 0, RMU_ME, RMU_SPARE, 0);

    rmig_checkpoint_hold(1);
    rmu_push_hdr(&h);
    ck_assert_int_eq(rmig_safe_point(), 0);
    ck_assert_int_eq(fake_suspends, 0); /* no move */
    ck_assert_int_eq(rmig_cluster.ask_cluster, RMU_SPARE);
    rmig_checkpoint_hold(0);
    ck_assert_int_eq(rmig_checkpoint_holding(), 0);
}
END_TEST

static Suite *ckpt_suite(void)
{
    Suite *s = suite_create("rank-migrate-ckpt");
    TCase *tc = tcase_create("ckpt");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, image_restores_every_byte);
    tcase_add_test(tc, spare_loads_nothing);
    tcase_add_test(tc, without_restart_boot_is_unchanged);
    tcase_add_loop_test(tc, damaged_checkpoint_refused, 0,
                        sizeof(bad_cases) / sizeof(bad_cases[0]));
    tcase_add_test(tc, manifest_needs_every_image);
    tcase_add_test(tc, open_removes_old_manifest);
    tcase_add_test(tc, rank_with_threads_is_not_written);
    tcase_add_test(tc, hold_keeps_asks_for_later);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_check_run(ckpt_suite());
}
