/* Two workers take turns on a shared counter under a mutex; each calls
 * note_turn(id, value) once per turn. For the gdb thread tests. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;
static int last_id;

void note_turn(int id, int value) {
    last_id = id; /* note_turn body */
    counter = value;
}

static void *worker(void *arg) {
    int id = (int)(long)arg;
    for (int i = 0; i < 3; i++) {
        pthread_mutex_lock(&lock);
        note_turn(id, counter + id);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(void) {
    pthread_t a, b;
    pthread_create(&a, NULL, worker, (void *)10L);
    pthread_create(&b, NULL, worker, (void *)20L);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("counter %d last %d\n", counter, last_id);
    return 0;
}
