import { BrowserRouter, Navigate, Route, Routes } from 'react-router'
import { AuthGate } from './components/AuthGate'
import { LogsPage } from './pages/LogsPage'
import { OverviewPage } from './pages/OverviewPage'
import { PricingPage } from './pages/PricingPage'

export function App() {
  return (
    <BrowserRouter>
      <AuthGate>
        <Routes>
          <Route path="/" element={<OverviewPage />} />
          <Route path="/logs" element={<LogsPage />} />
          <Route path="/pricing" element={<PricingPage />} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </AuthGate>
    </BrowserRouter>
  )
}
