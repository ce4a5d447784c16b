import { TaskBoard } from './_components/task-board';

export default function Home() {
  return (
    <main>
      <header>
        <h1>longrun</h1>
        <p className="lede">Start a background task and watch it live: WAITING, IN PROGRESS, then FINISHED, ERROR or CANCELLED.</p>
      </header>
      <TaskBoard />
    </main>
  );
}
